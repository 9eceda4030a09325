"""What a running task may use: ports (Protocols in divbase.core.ports) to the bucket, the database,
the index store and bcftools, plus its identity. Tasks never see a concrete adapter."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from divbase.core.ports import BcftoolsRunner, Bucket, IndexStore, PlanExecutor, TaskStore


@dataclass
class TaskContext:
    bucket: Bucket
    db: TaskStore
    bcftools: BcftoolsRunner
    indexes: IndexStore
    executor: PlanExecutor
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
