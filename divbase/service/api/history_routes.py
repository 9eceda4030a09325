"""Task history: mine, a project's, one task; typed by the task declarations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from divbase.adapters.database import FINAL_STATES
from divbase.adapters.tables import ProjectMemberRow, UserRow
from divbase.core.roles import allows
from divbase.service.api.deps import ProjectAccess, get_db, history_user, project_access
from divbase.tasks.history import typed

router = APIRouter(prefix="/v1/task-history", tags=["task history"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    404: {"description": "No such task or project you can see"},
}


@router.get("/tasks/user", responses=ERRORS)
def mine(
    request: Request, limit: int = Query(10, ge=1, le=1000), user: UserRow = Depends(history_user)
) -> list[dict[str, Any]]:
    """Your tasks, newest first (queued ones included)."""
    return [typed(r).as_json() for r in get_db(request).tasks(user_id=user.id, limit=limit)]


@router.get("/projects/{project}", responses={**ERRORS, 403: {"description": "Role too weak"}})
def project_tasks(
    request: Request,
    limit: int = Query(10, ge=1, le=1000),
    access: ProjectAccess = Depends(project_access("READ")),
) -> list[dict[str, Any]]:
    """Every task of a project, newest first."""
    rows = get_db(request).tasks(project_id=access.project.id, limit=limit)
    return [typed(r).as_json() for r in rows]


@router.get("/tasks/{task_id}", responses=ERRORS)
def one(request: Request, task_id: int, user: UserRow = Depends(history_user)) -> dict[str, Any]:
    """One task: yours, one of a project you belong to, or any task for admins."""
    db = get_db(request)
    rows = db.tasks(task_number=task_id, limit=1)
    if not rows or not _may_see(db, user, rows[0].user_id, rows[0].project_id):
        raise HTTPException(404, f"Task {task_id} not found, or not yours to see.")
    return typed(rows[0]).as_json()


@router.post("/tasks/{task_id}/cancel", responses={**ERRORS, 409: {"description": "The task already ended"}})
def cancel(request: Request, task_id: int, user: UserRow = Depends(history_user)) -> dict[str, Any]:
    """Cancel a queued or running task: yours, one in a project you manage, or any for admins."""
    db = get_db(request)
    rows = db.tasks(task_number=task_id, limit=1)
    if not rows or not _may_see(db, user, rows[0].user_id, rows[0].project_id, needed="MANAGE"):
        raise HTTPException(404, f"Task {task_id} not found, or not yours to cancel.")
    row = rows[0]
    if row.status in FINAL_STATES:
        raise HTTPException(409, f"Task {task_id} already ended ({row.status}).")
    db.mark_done(
        row.task_id, "REVOKED", {"exc_type": "TaskRevokedError", "exc_message": [f"Cancelled by {user.email}."]}
    )
    # SIGUSR1 raises SoftTimeLimitExceeded inside a running task, so it stops its bcftools processes and ends
    request.app.state.celery.control.revoke(row.task_id, terminate=True, signal="SIGUSR1")
    return typed(db.tasks(task_number=task_id, limit=1)[0]).as_json()


def _may_see(db: Any, user: UserRow, owner: int | None, project_id: int | None, needed: str = "READ") -> bool:
    if user.is_admin or owner == user.id:
        return True
    if project_id is None:
        return False
    with db.session() as s:
        member = s.query(ProjectMemberRow).filter_by(project_id=project_id, user_id=user.id).one_or_none()
        return member is not None and allows(member.role, needed)
