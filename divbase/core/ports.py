"""Ports: what the core and tasks need from the outside world. Adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from divbase.core.dimensions import Dimensions, FileDims, Skipped
    from divbase.core.plan import Plan, PlanInput


@dataclass(frozen=True)
class ObjectInfo:
    """One object in a project bucket. `version` changes exactly when the content changes."""

    key: str
    version: str
    size: int
    etag: str


@dataclass(frozen=True)
class VersionInfo:
    """One kept version of a key (newest first in listings). `current` marks what the key shows now:
    the live content, or the delete marker of a soft-deleted key (`deleted`)."""

    key: str
    version: str
    size: int
    modified: datetime
    current: bool
    deleted: bool = False
    etag: str = ""


class Bucket(Protocol):
    """A project's object store: a local directory or an S3 bucket."""

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every live object under `prefix`, sorted by key."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Metadata of one object; raises NotFound."""
        ...

    def read_bytes(self, key: str) -> bytes: ...

    def fetch(self, key: str, workdir: Path) -> Path:
        """A local path holding the object's current content (the file itself when local)."""
        ...

    def put_file(self, src: Path, key: str) -> ObjectInfo: ...

    def put_bytes(self, data: bytes, key: str) -> ObjectInfo: ...

    def delete(self, key: str) -> None: ...


class BcftoolsRunner(Protocol):
    """Runs bcftools with an argv list (never a shell); errors become divbase errors."""

    def run(
        self,
        args: Sequence[str],
        *,
        operation: str,
        target: str,
        cwd: Path | None = None,
        stdout: Path | None = None,
    ) -> str:
        """Run `bcftools *args`; return its stdout ("" when `stdout` names a file to write)."""
        ...

    def stop_all(self) -> None:
        """Kill every bcftools process this runner started that is still running."""
        ...

    def version(self) -> str: ...

    def busy_seconds(self, since: float) -> float:
        """Seconds since the monotonic time `since` during which a bcftools process ran."""
        ...


def indexed(path: Path, index: Path) -> str:
    """The htslib spelling of a file whose index is stored elsewhere (`path##idx##index`)."""
    return f"{path}##idx##{index}"


class IndexStore(Protocol):
    """CSI indexes (and record-line checks) kept per object version, built on first use."""

    def ensure(self, obj: ObjectInfo, local: Path) -> Path:
        """The index of `obj` (whose content is at `local`), building it when missing."""
        ...

    def rows_ok(self, obj: ObjectInfo, local: Path, sample_count: int) -> bool:
        """True when every record line of `obj` has the column count its header implies."""
        ...


class TaskStore(Protocol):
    """What tasks read and write in the database: their own life and the dimensions index."""

    def mark_started(self, task_id: str, worker: str) -> None: ...

    def mark_done(self, task_id: str, status: str, result: dict[str, Any], traceback: str | None = None) -> None: ...

    def dimensions(self, project_id: int) -> Dimensions: ...

    def save_dimensions(self, project_id: int, files: Sequence[FileDims], skipped: Sequence[Skipped] = ()) -> None: ...

    def forget(self, project_id: int, keys: list[str]) -> None: ...


class PlanExecutor(Protocol):
    """Runs a query plan (divbase.core.plan) to a bgzipped, indexed result VCF."""

    def run(self, plan: Plan, inputs: Sequence[PlanInput], result: Path, log: Callable[[str], None]) -> int:
        """Write `result` and `<result>.csi`; return the number of records."""
        ...
