"""What a running task may use: ports to the bucket, database and bcftools, plus its identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from divbase.adapters.bcftools import Bcftools
    from divbase.adapters.database import Database
    from divbase.adapters.index_cache import IndexCache
    from divbase.core.ports import Bucket


@dataclass
class TaskContext:
    bucket: Bucket
    db: Database
    bcftools: Bcftools
    indexes: IndexCache
    project_id: int
    project_name: str
    task_number: int
    task_id: str
    workdir: Path
    mode: str = "local"
    jobs: int = 1
    log_lines: list[str] = field(default_factory=list)

    def log(self, line: str) -> None:
        self.log_lines.append(line)
