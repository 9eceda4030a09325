"""Run one task declaration against a context and record its life in the task history tables."""

from __future__ import annotations

import socket
import traceback
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from divbase.core.errors import DivbaseError
from divbase.tasks.context import TaskContext
from divbase.tasks.registry import TaskSpec


@dataclass(frozen=True)
class Outcome:
    """How a task ended: SUCCESS with its typed result, or FAILURE with the error."""

    task_number: int
    status: str
    result: BaseModel | None = None
    error: DivbaseError | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"task_id": self.task_number, "status": self.status}
        if self.result is not None:
            body["result"] = self.result.model_dump(mode="json")
        body["warnings"] = list(self.warnings)
        if self.error is not None:
            body["error"] = error_dict(self.error)
        return body

    @property
    def warnings(self) -> list[str]:
        """What the user must see next to a successful result (a result model's `warnings` field)."""
        return list(getattr(self.result, "warnings", None) or [])


def error_dict(error: BaseException) -> dict[str, Any]:
    """Errors are stored as Celery stores them: exception type and message."""
    return {"exc_type": type(error).__name__, "exc_message": str(error)}


def execute(spec: TaskSpec, kwargs: BaseModel, ctx: TaskContext) -> Outcome:
    """Mark the task started, run its handler, store SUCCESS or FAILURE.

    Unexpected errors are stored too, then raised."""
    ctx.db.mark_started(ctx.task_id, worker=f"{ctx.mode}@{socket.gethostname()}")
    try:
        result = spec.handler(ctx, kwargs)
    except DivbaseError as exc:
        ctx.db.mark_done(ctx.task_id, "FAILURE", error_dict(exc))
        return Outcome(ctx.task_number, "FAILURE", error=exc)
    except KeyboardInterrupt:
        ctx.db.mark_done(ctx.task_id, "REVOKED", {"exc_type": "TaskRevokedError", "exc_message": ["Interrupted."]})
        raise
    except BaseException as exc:
        ctx.db.mark_done(ctx.task_id, "FAILURE", error_dict(exc), traceback.format_exc())
        raise
    ctx.db.mark_done(ctx.task_id, "SUCCESS", result.model_dump(mode="json"))
    return Outcome(ctx.task_number, "SUCCESS", result=result)
