"""`/v1/auth`: log in with email and password, renew a session, log out, show who you are.

Refresh tokens rotate: each is good for one refresh, which revokes it and returns a new pair. Presenting a
refresh token that was already used (a stolen copy racing its owner) ends every session of the user, as the
OAuth 2.0 security best practice asks. Logging out revokes the refresh token; `logout-all` ends every session.
Failed logins are rate limited per account and per client address (`login_guard`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectMemberRow, ProjectRow, RevokedTokenRow, UserRow
from divbase.core.errors import NotAuthorized
from divbase.service import login_guard
from divbase.service.api.deps import CurrentUser, Db, SessionUser, Settings, load_active_user, unauthorized
from divbase.service.api.errors import ErrorBody
from divbase.service.security import Claims, TokenPair, decode, issue_tokens
from divbase.service.settings import ServiceSettings

BAD_LOGIN = "Incorrect email or password."
REUSED = (
    "This refresh token was already used, so every session of this account has been ended to be safe. "
    "Log in again with 'divbase auth login'."
)

router = APIRouter(prefix="/v1/auth", tags=["auth"])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not logged in, or the token is invalid or expired"},
}
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Too many failed logins; see Retry-After"},
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


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


@router.post("/login", responses={**UNAUTHORIZED, **INVALID, **LIMITED})
def login(
    body: LoginRequest,
    request: Request,
    db: Db,
    settings: Settings,
) -> TokenPair:
    """Trade email and password for an access token and a refresh token."""
    user = login_guard.authenticate(db, settings, body.email, body.password, client_address(request))
    if user is None:
        raise unauthorized(BAD_LOGIN)
    return issue_tokens(user.id, settings, user.session_generation)


def _revoke(db: Database, claims: Claims, reason: str) -> str | None:
    """Mark the refresh token used. None when that worked, else why it was already revoked (a unique jti
    makes the loser of two racing refreshes see "rotated")."""
    try:
        with db.session() as s:
            s.add(
                RevokedTokenRow(
                    jti=claims.jti,
                    user_id=claims.user_id,
                    reason=reason,
                    expires_at=datetime.fromtimestamp(claims.exp, UTC),
                )
            )
    except IntegrityError:
        with db.session() as s:
            return s.scalar(select(RevokedTokenRow.reason).where(RevokedTokenRow.jti == claims.jti)) or "unknown"
    return None


def end_all_sessions(db: Database, user_id: int) -> None:
    with db.session() as s:
        s.execute(
            update(UserRow).where(UserRow.id == user_id).values(session_generation=UserRow.session_generation + 1)
        )


def _refresh_claims(token: str, settings: ServiceSettings) -> Claims:
    try:
        return decode(token, settings, "refresh")
    except NotAuthorized as exc:
        raise unauthorized(exc.message) from exc


@router.post("/refresh", responses={**UNAUTHORIZED, **INVALID})
def refresh(
    body: RefreshRequest,
    db: Db,
    settings: Settings,
) -> TokenPair:
    """A new token pair for a valid, unused refresh token of an active user; the old one stops working."""
    claims = _refresh_claims(body.refresh_token, settings)
    user = load_active_user(db, claims.user_id, claims.gen)
    if user is None:
        raise unauthorized()
    earlier = _revoke(db, claims, "rotated")
    if earlier == "rotated":  # a copy of a token that was already renewed: someone else may hold it
        end_all_sessions(db, user.id)
        raise unauthorized(REUSED)
    if earlier is not None:
        raise unauthorized()
    return issue_tokens(user.id, settings, user.session_generation)


@router.post("/logout", status_code=204, responses=INVALID)
def logout(
    body: RefreshRequest,
    db: Db,
    settings: Settings,
) -> Response:
    """Revoke a refresh token (the session cannot be renewed). Invalid tokens are ignored: logging out never fails."""
    try:
        claims = decode(body.refresh_token, settings, "refresh")
    except NotAuthorized:
        return Response(status_code=204)
    _revoke(db, claims, "logout")
    return Response(status_code=204)


@router.post("/logout-all", status_code=204, responses=UNAUTHORIZED)
def logout_all(user: SessionUser, db: Db) -> Response:
    """End every session of your account on every device (personal access tokens stay valid)."""
    end_all_sessions(db, user.id)
    return Response(status_code=204)


@router.get("/whoami", responses=UNAUTHORIZED)
def whoami(user: CurrentUser, db: Db) -> WhoAmI:
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
