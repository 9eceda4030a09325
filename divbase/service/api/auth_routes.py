"""`/v1/auth`: log in with email and password, renew a session with the refresh token, show who you are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectMemberRow, ProjectRow, UserRow
from divbase.core.errors import NotAuthorized
from divbase.service.api.deps import CurrentUser, get_db, get_settings, load_active_user, unauthorized
from divbase.service.api.errors import ErrorBody
from divbase.service.security import TokenPair, decode, issue_tokens, verify_password
from divbase.service.settings import ServiceSettings

BAD_LOGIN = "Incorrect email or password."

router = APIRouter(prefix="/v1/auth", tags=["auth"])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not logged in, or the token is invalid or expired"},
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "The request body is malformed"},
}


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=8192)


class ProjectRole(BaseModel):
    name: str
    role: str


class WhoAmI(BaseModel):
    id: int
    email: str
    name: str
    is_admin: bool
    projects: list[ProjectRole]


def _find_user(db: Database, email: str) -> UserRow | None:
    with db.session() as s:
        return s.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))


@router.post("/login", responses={**UNAUTHORIZED, **INVALID})
def login(
    body: LoginRequest,
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[ServiceSettings, Depends(get_settings)],
) -> TokenPair:
    """Trade email and password for an access token and a refresh token."""
    user = _find_user(db, body.email)
    # Always verify (against a dummy hash for unknown users) so both failures take the same time.
    matches = verify_password(body.password, user.password_hash if user is not None else None)
    if user is None or not matches or not user.is_active:
        raise unauthorized(BAD_LOGIN)
    return issue_tokens(user.id, settings)


@router.post("/refresh", responses={**UNAUTHORIZED, **INVALID})
def refresh(
    body: RefreshRequest,
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[ServiceSettings, Depends(get_settings)],
) -> TokenPair:
    """A new token pair for a valid refresh token of an active user."""
    try:
        claims = decode(body.refresh_token, settings, "refresh")
    except NotAuthorized as exc:
        raise unauthorized(exc.message) from exc
    user = load_active_user(db, claims.user_id)
    if user is None:
        raise unauthorized()
    return issue_tokens(user.id, settings)


@router.get("/whoami", responses=UNAUTHORIZED)
def whoami(user: CurrentUser, db: Annotated[Database, Depends(get_db)]) -> WhoAmI:
    """The logged-in user and their projects with roles."""
    with db.session() as s:
        rows = s.execute(
            select(ProjectRow.name, ProjectMemberRow.role)
            .join(ProjectMemberRow, ProjectMemberRow.project_id == ProjectRow.id)
            .where(ProjectMemberRow.user_id == user.id)
            .order_by(ProjectRow.name)
        ).all()
    projects = [ProjectRole(name=name, role=role) for name, role in rows]
    return WhoAmI(id=user.id, email=user.email, name=user.name, is_admin=user.is_admin, projects=projects)
