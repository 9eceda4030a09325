"""Task history in the admin panel: every row of `celery_taskmeta` (user and cron tasks alike), its args,
kwargs and result decoded from their JSON bytes, with the user-facing task id, submitter and project from
`task_history` when there is a row there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette_admin import ComputedField, DateTimeField, IntegerField, JSONField, StringField, TextAreaField
from starlette_admin.filters import FilterGroup

from divbase.adapters.database import decode_json
from divbase.adapters.tables import CeleryTaskMetaRow, ProjectRow, TaskHistoryRow, TaskStartedAtRow, UserRow
from divbase.service.admin_panel.common import ReadOnlyView, in_thread, session_of
from divbase.service.cron import CRON_TASKS

CRON_NAMES = frozenset(cron.name for cron in CRON_TASKS)


def undecodable(raw: bytes) -> str:
    return f"<not JSON: {len(raw)} bytes that cannot be decoded>"


def decoded(raw: bytes | None) -> Any:
    """A stored JSON value, or a placeholder when the bytes are not JSON (another serializer, corruption)."""
    try:
        return decode_json(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return undecodable(raw or b"")


def is_cron(name: str | None) -> bool:
    return name is not None and (name in CRON_NAMES or name.startswith(("cron_tasks.", "cron.")))


@dataclass(frozen=True)
class HistoryInfo:
    """What `task_history` and `task_started_at` add to a Celery row."""

    number: int | None = None
    user: str | None = None
    project: str | None = None
    submitted_at: datetime | None = None
    started_at: datetime | None = None


def load_history(session: Session, task_ids: list[str]) -> dict[str, HistoryInfo]:
    rows = session.execute(
        select(
            CeleryTaskMetaRow.task_id,
            TaskHistoryRow.id,
            UserRow.email,
            ProjectRow.name,
            TaskHistoryRow.created_at,
            TaskStartedAtRow.started_at,
        )
        .outerjoin(TaskHistoryRow, TaskHistoryRow.task_id == CeleryTaskMetaRow.task_id)
        .outerjoin(UserRow, UserRow.id == TaskHistoryRow.user_id)
        .outerjoin(ProjectRow, ProjectRow.id == TaskHistoryRow.project_id)
        .outerjoin(TaskStartedAtRow, TaskStartedAtRow.task_id == CeleryTaskMetaRow.task_id)
        .where(CeleryTaskMetaRow.task_id.in_(task_ids))
    ).all()
    return {task_id: HistoryInfo(*rest) for task_id, *rest in rows}


def history_of(request: Request, row: CeleryTaskMetaRow) -> HistoryInfo:
    known: dict[str, HistoryInfo] = getattr(request.state, "divbase_history", {})
    return known.get(row.task_id, HistoryInfo())


def _from_history(attribute: str) -> Callable[[Request, Any], Any]:
    return lambda request, row: getattr(history_of(request, row), attribute)


def _decoded(column: str) -> Callable[[Request, Any], Any]:
    return lambda _request, row: decoded(getattr(row, column))


def _fields() -> list[Any]:
    return [
        IntegerField("id", label="Row", exclude_from_list=True),
        ComputedField("task", label="Task", getter=_from_history("number")),
        StringField("task_id", label="Celery task id"),
        ComputedField("kind", getter=lambda _r, row: "cron" if is_cron(row.name) else "user"),
        StringField("name"),
        StringField("status"),
        ComputedField("user", getter=_from_history("user")),
        ComputedField("project", getter=_from_history("project")),
        DateTimeField("submitted_at", label="Submitted", getter=_from_history("submitted_at"), exclude_from_list=True),
        DateTimeField("started_at", label="Started", getter=_from_history("started_at"), exclude_from_list=True),
        DateTimeField("date_done", label="Done"),
        StringField("queue"),
        StringField("worker"),
        IntegerField("retries", exclude_from_list=True),
        JSONField("kwargs", read_only=True, getter=_decoded("kwargs")),
        JSONField("result", read_only=True, getter=_decoded("result")),
        JSONField("args", read_only=True, getter=_decoded("args"), exclude_from_list=True),
        TextAreaField("traceback", exclude_from_list=True),
    ]


class TaskHistoryView(ReadOnlyView):
    """Read-only: newest first; search by Celery task id, name, status, queue or worker."""

    def __init__(self) -> None:
        self.fields_default_sort = [("id", True)]
        super().__init__(CeleryTaskMetaRow, _fields(), key="task-history", label="Task history", name="Task")

    async def _remember_history(self, request: Request, rows: Sequence[CeleryTaskMetaRow]) -> None:
        """One query for the page's history rows; the computed fields read them from the request."""
        found = await in_thread(load_history, session_of(request), [row.task_id for row in rows])
        known: dict[str, HistoryInfo] = getattr(request.state, "divbase_history", {})
        request.state.divbase_history = {**known, **found}

    async def find_all(
        self,
        request: Request,
        skip: int = 0,
        limit: int = 100,
        q: str | None = None,
        sorts: Sequence[tuple[str, str]] | None = None,
        filters: FilterGroup | None = None,
    ) -> Sequence[Any]:
        rows = await super().find_all(request, skip, limit, q, sorts, filters)
        await self._remember_history(request, rows)
        return rows

    async def find_by_pk(self, request: Request, pk: Any) -> Any:
        row = await super().find_by_pk(request, pk)
        if row is not None:
            await self._remember_history(request, [row])
        return row

    async def find_by_pks(self, request: Request, pks: list[Any]) -> Sequence[Any]:
        rows = await super().find_by_pks(request, pks)
        await self._remember_history(request, rows)
        return rows
