"""One POST route per task declaration: validate, record the task as queued, publish it to Celery."""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from divbase.core.errors import TaskError, Unavailable
from divbase.service.api.deps import ProjectAccess, get_db, project_access
from divbase.tasks.registry import TaskSpec, tasks

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid request: rejected command, bad filter, bad options"},
    401: {"description": "Missing, expired or invalid token"},
    403: {"description": "Your role in the project is too weak"},
    404: {"description": "Unknown project, or not a member"},
    409: {"description": "A task of this kind is already queued or running in the project"},
    422: {"description": "Malformed request body"},
    503: {"description": "Broker unavailable: nothing was queued"},
}


class Submitted(BaseModel):
    """A queued task: its user-facing id (the task_history id)."""

    task_id: int
    status: str = "PENDING"
    result: Any = None


def submit(request: Request, spec: TaskSpec, body: BaseModel, access: ProjectAccess) -> Submitted:
    """Record the task (visible as queued), publish it; for quick tasks wait for the result."""
    spec.precheck(body)
    kwargs = spec.kwargs(
        **body.model_dump(),
        project_name=access.project.name,
        project_id=access.project.id,
        bucket_name=access.project.bucket_name,
        user_id=access.user.id,
    )
    db = get_db(request)
    if spec.exclusive and (running := db.active_task(access.project.id, spec.celery_name)) is not None:
        raise HTTPException(
            409,
            f"A {spec.cli_name} task is already queued or running in project "
            f"'{access.project.name}' (task {running}). Wait for it to finish.",
        )
    task_id = str(uuid.uuid4())
    payload = kwargs.model_dump(mode="json")
    number = db.create_task(
        task_id,
        spec.celery_name,
        payload,
        user_id=access.user.id,
        project_id=access.project.id,
        queue=spec.queue,
    )
    celery = request.app.state.celery
    try:
        celery.send_task(spec.celery_name, kwargs=payload, task_id=task_id, queue=spec.queue)
    except Exception as exc:  # broker down: the task must not stay queued forever
        db.mark_done(task_id, "FAILURE", {"exc_type": "Unavailable", "exc_message": [str(exc)]})
        raise Unavailable(
            f"The task queue is unavailable ({type(exc).__name__}); nothing was queued.",
            "Try again in a minute; if it persists, tell the service admins.",
        ) from None
    if not spec.waits:
        return Submitted(task_id=number)
    return _wait(request, spec, task_id, number)


def _wait(request: Request, spec: TaskSpec, task_id: str, number: int) -> Submitted:
    result = request.app.state.celery.AsyncResult(task_id)
    try:
        value = result.get(timeout=request.app.state.settings.quick_wait_seconds, interval=0.02, propagate=False)
    except Exception:
        return Submitted(task_id=number, status=result.state)
    if result.state != "SUCCESS":
        message = str(value) if value is not None else "the task failed"
        raise TaskError(f"Task {number} failed: {message}", f"See 'divbase task-history id {number}'.")
    return Submitted(task_id=number, status="SUCCESS", result=spec.result.model_validate(value))


def _endpoint(spec: TaskSpec) -> Any:
    def endpoint(request: Request, body: Any, access: ProjectAccess) -> Submitted:
        return submit(request, spec, body, access)

    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    body = inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=spec.request)
    access = inspect.Parameter(
        "access",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=ProjectAccess,
        default=Depends(project_access(spec.role)),
    )
    signature = inspect.Signature([request, body, access])
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__name__ = f"submit_{spec.cli_name.replace('-', '_')}"
    endpoint.__doc__ = f"{spec.summary} Needs role {spec.role}."
    return endpoint


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1/tasks", tags=["tasks"])
    for spec in tasks():
        routes.add_api_route(
            f"/{spec.cli_name}/projects/{{project}}",
            _endpoint(spec),
            methods=["POST"],
            status_code=200 if spec.waits else 201,
            response_model=Submitted,
            responses=ERRORS,
            summary=spec.summary,
        )
    return routes
