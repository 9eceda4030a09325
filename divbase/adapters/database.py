"""Database adapter: task history and the dimensions index, on SQLite (local) or PostgreSQL (service)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.orm import Session, sessionmaker

from divbase.adapters.tables import (
    SCHEMA_VERSION,
    Base,
    CeleryTaskMetaRow,
    ProjectRow,
    TaskHistoryRow,
    TaskStartedAtRow,
    UserRow,
    VcfFileRow,
    VcfSkippedRow,
    utcnow,
)
from divbase.core.dimensions import Dimensions, FileDims, Skipped

log = logging.getLogger(__name__)
FINAL_STATES = ("SUCCESS", "FAILURE", "REVOKED")


@dataclass(frozen=True)
class TaskRecord:
    """One task as the history shows it; kwargs and result are plain dicts until the registry types them."""

    id: int
    task_id: str
    name: str | None
    status: str
    kwargs: dict[str, Any]
    result: dict[str, Any] | None
    user_email: str | None
    user_id: int | None
    project_id: int | None
    created_at: datetime | None
    started_at: datetime | None
    date_done: datetime | None

    @property
    def runtime(self) -> float | None:
        if self.started_at is None or self.date_done is None:
            return None
        return max(0.0, (_naive(self.date_done) - _naive(self.started_at)).total_seconds())


def _naive(moment: datetime) -> datetime:
    """Naive UTC (SQLite hands back naive UTC datetimes; PostgreSQL aware ones)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def encode_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True).encode()


def decode_json(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw)


def _user_version(path: Path) -> int:
    """SQLite's `user_version` of an existing file (0 for a new or empty one)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    return int(version) if version or not tables else -1


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable on crash of divbase, not on power loss
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """All reads and writes of divbase's tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        """Local state. A file written by another schema version is set aside and a fresh one started:
        the dimensions index is rebuilt by the next dimensions-update, and the old history stays in the
        backup file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        version = _user_version(path)
        if version not in (0, SCHEMA_VERSION):
            backup = path.with_name(f"{path.name}.schema{version}.bak")
            path.replace(backup)
            log.warning(
                "Local divbase state %s was written by another divbase version (schema %s); it was moved "
                "to %s and a new one started. Run 'divbase run dimensions-update' again.",
                path,
                version,
                backup,
            )
        engine = create_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", _sqlite_pragmas)
        if version != SCHEMA_VERSION:
            Base.metadata.create_all(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return cls(engine)

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A database by SQLAlchemy URL (PostgreSQL on the service); tables must exist (see `create_tables`)."""
        if url.startswith("sqlite:///"):
            return cls.sqlite(Path(url.removeprefix("sqlite:///")))
        return cls(create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10))

    def create_tables(self) -> None:
        """Bring the schema up to date: Alembic migrations on a server database, plain creation on SQLite."""
        if self.engine.dialect.name == "sqlite":
            Base.metadata.create_all(self.engine)
            return
        from divbase.adapters.migrate import upgrade

        upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def ensure_project(self, name: str, bucket_name: str) -> int:
        with self.session() as s:
            row = s.scalar(select(ProjectRow).where(ProjectRow.name == name))
            if row is None:
                row = ProjectRow(name=name, bucket_name=bucket_name)
                s.add(row)
                s.flush()
            return row.id

    def ensure_user(self, email: str) -> int:
        with self.session() as s:
            row = s.scalar(select(UserRow).where(UserRow.email == email))
            if row is None:
                row = UserRow(email=email, name=email.split("@")[0])
                s.add(row)
                s.flush()
            return row.id

    # -- task history -------------------------------------------------------------------------------

    def create_task(
        self,
        task_id: str,
        name: str,
        kwargs: dict[str, Any],
        *,
        user_id: int | None,
        project_id: int | None,
        queue: str | None,
    ) -> int:
        """Record a queued task (visible in the history as PENDING). Returns the user-facing task id."""
        with self.session() as s:
            row = TaskHistoryRow(task_id=task_id, user_id=user_id, project_id=project_id)
            s.add(row)
            s.add(
                CeleryTaskMetaRow(
                    task_id=task_id,
                    status="PENDING",
                    name=name,
                    kwargs=encode_json(kwargs),
                    args=encode_json([]),
                    queue=queue,
                    retries=0,
                )
            )
            s.flush()
            return row.id

    def mark_started(self, task_id: str, worker: str) -> None:
        """Local mode: record the start time and the STARTED state (Celery does the latter on the service)."""
        self.record_start(task_id)
        with self.session() as s:
            meta = s.scalar(select(CeleryTaskMetaRow).where(CeleryTaskMetaRow.task_id == task_id))
            if meta is not None:
                meta.status, meta.worker = "STARTED", worker

    def record_start(self, task_id: str) -> None:
        """Write `task_started_at` once; a re-delivered task keeps its first start time."""
        with self.session() as s:
            if s.scalar(select(TaskStartedAtRow.id).where(TaskStartedAtRow.task_id == task_id)) is None:
                s.add(TaskStartedAtRow(task_id=task_id))

    def record_cron(self, task_id: str) -> None:
        """A cron task was published: history row with no user and no project."""
        with self.session() as s:
            if s.scalar(select(TaskHistoryRow.id).where(TaskHistoryRow.task_id == task_id)) is None:
                s.add(TaskHistoryRow(task_id=task_id, user_id=None, project_id=None))

    def active_task(self, project_id: int, name: str) -> int | None:
        """The id of a PENDING or STARTED task of this kind in the project, if any."""
        with self.session() as s:
            return s.scalar(
                select(TaskHistoryRow.id)
                .join(CeleryTaskMetaRow, CeleryTaskMetaRow.task_id == TaskHistoryRow.task_id)
                .where(
                    TaskHistoryRow.project_id == project_id,
                    CeleryTaskMetaRow.name == name,
                    CeleryTaskMetaRow.status.in_(("PENDING", "STARTED")),
                )
                .limit(1)
            )

    def task_number(self, task_id: str) -> int | None:
        with self.session() as s:
            return s.scalar(select(TaskHistoryRow.id).where(TaskHistoryRow.task_id == task_id))

    def stored_result(self, task_id: str) -> tuple[str, Any] | None:
        """(status, decoded result) of a task, or None when Celery has no row for it."""
        with self.session() as s:
            meta = s.scalar(select(CeleryTaskMetaRow).where(CeleryTaskMetaRow.task_id == task_id))
            return None if meta is None else (meta.status, decode_json(meta.result))

    def mark_done(self, task_id: str, status: str, result: dict[str, Any], traceback: str | None = None) -> None:
        with self.session() as s:
            meta = s.scalar(select(CeleryTaskMetaRow).where(CeleryTaskMetaRow.task_id == task_id))
            if meta is None:
                return
            meta.status, meta.result, meta.traceback = status, encode_json(result), traceback
            meta.date_done = utcnow().replace(tzinfo=None)

    def tasks(
        self,
        *,
        task_number: int | None = None,
        user_id: int | None = None,
        project_id: int | None = None,
        limit: int = 10,
    ) -> list[TaskRecord]:
        """History rows, newest first, joined with their Celery metadata and start time."""
        query = (
            select(TaskHistoryRow, CeleryTaskMetaRow, TaskStartedAtRow.started_at, UserRow.email)
            .outerjoin(CeleryTaskMetaRow, CeleryTaskMetaRow.task_id == TaskHistoryRow.task_id)
            .outerjoin(TaskStartedAtRow, TaskStartedAtRow.task_id == TaskHistoryRow.task_id)
            .outerjoin(UserRow, UserRow.id == TaskHistoryRow.user_id)
            .order_by(TaskHistoryRow.id.desc())
        )
        if task_number is not None:
            query = query.where(TaskHistoryRow.id == task_number)
        if user_id is not None:
            query = query.where(TaskHistoryRow.user_id == user_id)
        if project_id is not None:
            query = query.where(TaskHistoryRow.project_id == project_id)
        with self.session() as s:
            return [_record(*row) for row in s.execute(query.limit(limit)).all()]

    # -- dimensions ---------------------------------------------------------------------------------

    def dimensions(self, project_id: int) -> Dimensions:
        with self.session() as s:
            files = s.scalars(select(VcfFileRow).where(VcfFileRow.project_id == project_id).order_by(VcfFileRow.key))
            skipped = s.scalars(
                select(VcfSkippedRow).where(VcfSkippedRow.project_id == project_id).order_by(VcfSkippedRow.key)
            )
            return Dimensions(
                files=tuple(_file_dims(r) for r in files),
                skipped=tuple(Skipped(r.key, r.version, r.reason) for r in skipped),
            )

    def save_dimensions(self, project_id: int, files: Sequence[FileDims], skipped: Sequence[Skipped] = ()) -> None:
        """Upsert indexed files and skipped objects, in one transaction."""
        with self.session() as s:
            _forget(s, project_id, [d.key for d in files] + [k.key for k in skipped])
            s.add_all(
                VcfFileRow(
                    project_id=project_id,
                    key=dims.key,
                    version=dims.version,
                    size=dims.size,
                    variant_count=dims.variant_count,
                    sample_count=len(dims.samples),
                    samples=list(dims.samples),
                    scaffolds=list(dims.scaffolds),
                    header_contigs=list(dims.header_contigs),
                )
                for dims in files
            )
            s.add_all(
                VcfSkippedRow(project_id=project_id, key=k.key, version=k.version, reason=k.reason) for k in skipped
            )

    def forget(self, project_id: int, keys: list[str]) -> None:
        with self.session() as s:
            _forget(s, project_id, keys)


def _forget(s: Session, project_id: int, keys: list[str]) -> None:
    for table in (VcfFileRow, VcfSkippedRow):
        s.execute(delete(table).where(table.project_id == project_id, table.key.in_(keys)))


def _file_dims(row: VcfFileRow) -> FileDims:
    return FileDims(
        key=row.key,
        version=row.version,
        size=row.size,
        samples=tuple(row.samples),
        scaffolds=tuple(row.scaffolds),
        header_contigs=tuple(row.header_contigs),
        variant_count=row.variant_count,
    )


def _record(
    history: TaskHistoryRow, meta: CeleryTaskMetaRow | None, started: datetime | None, email: str | None
) -> TaskRecord:
    return TaskRecord(
        id=history.id,
        task_id=history.task_id,
        name=meta.name if meta else None,
        status=meta.status if meta else "PENDING",
        kwargs=(decode_json(meta.kwargs) if meta else None) or {},
        result=decode_json(meta.result) if meta else None,
        user_email=email,
        user_id=history.user_id,
        project_id=history.project_id,
        created_at=history.created_at,
        started_at=started,
        date_done=meta.date_done if meta else None,
    )
