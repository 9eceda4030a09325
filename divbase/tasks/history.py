"""Task history, typed on the way out by the task declarations (no per-task branches)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from divbase.tasks.registry import by_name

if TYPE_CHECKING:
    from divbase.adapters.database import TaskRecord

STATES = {"STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"}


class TaskHistoryResult(BaseModel):  # type: ignore[no-redef]  # pydantic-mypy: field named "kwargs"
    """One task as users see it (the spec's TaskHistoryResult)."""

    id: int
    submitter_email: str | None = None
    status: str
    name: str | None = None
    kwargs: Any = None
    """The task's kwargs model (a dict when the task is unknown to this version)."""
    result: Any = None
    """The task's result model on SUCCESS; the error dict (exc_type, exc_message) on FAILURE."""
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    runtime: float | None = None

    @property
    def state(self) -> str:
        """Display state: queued tasks show as QUEUED."""
        return self.status if self.status in STATES else "QUEUED"

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude={"kwargs", "result"})
        for name in ("kwargs", "result"):
            value = getattr(self, name)
            data[name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        data["state"] = self.state
        return data


def typed(record: TaskRecord) -> TaskHistoryResult:
    spec = by_name(record.name) if record.name else None
    kwargs: BaseModel | dict[str, Any] = record.kwargs
    result: BaseModel | dict[str, Any] | None = record.result
    if spec is not None:
        kwargs = _parse(spec.kwargs, record.kwargs)
        if record.status == "SUCCESS" and record.result is not None:
            result = _parse(spec.result, record.result)
    return TaskHistoryResult(
        id=record.id,
        submitter_email=record.user_email,
        status=record.status,
        name=record.name,
        kwargs=kwargs,
        result=result,
        created_at=_iso(record.created_at),
        started_at=_iso(record.started_at),
        completed_at=_iso(record.date_done),
        runtime=record.runtime,
    )


def _parse(model: type[BaseModel], data: dict[str, Any]) -> BaseModel | dict[str, Any]:
    try:
        return model.model_validate(data)
    except ValidationError:
        return data


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="seconds")
