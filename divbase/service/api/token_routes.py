"""`/v1/auth/tokens`: personal access tokens for scripts, Snakemake and containers.

A token is shown once, at creation; the database keeps its SHA-256. It acts for its owner within a scope:
some projects (or all of the owner's), a role cap, task history or not, and an expiry. Tokens are managed
from a login session only: a personal access token cannot create, list or revoke tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select

from divbase.adapters.database import Database
from divbase.adapters.tables import PersonalAccessTokenRow, ProjectRow, UserRow
from divbase.core.roles import ROLES
from divbase.service.api.deps import Db, SessionUser, Settings, resolve_access
from divbase.service.api.errors import ErrorBody
from divbase.service.security import new_personal_token
from divbase.service.settings import ServiceSettings

router = APIRouter(prefix="/v1/auth/tokens", tags=["auth"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not logged in"},
    403: {"model": ErrorBody, "description": "Called with a personal access token"},
    404: {"model": ErrorBody, "description": "No such token or project"},
    409: {"model": ErrorBody, "description": "Too many tokens, or the name is taken"},
}


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    description: str = Field("", max_length=500)
    projects: list[str] | None = Field(None, min_length=1, max_length=100, description="None: all your projects")
    role: str = Field("QUERY", description="The strongest role the token may act with (READ, QUERY, EDIT, MANAGE)")
    task_history: bool = True
    expires_days: int | None = Field(90, ge=1, le=3650, description="None: never expires")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        role = value.strip().upper()
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        return role


class TokenInfo(BaseModel):
    id: int
    name: str
    description: str
    projects: list[str] | None
    role: str
    task_history: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewToken(TokenInfo):
    token: str = Field(description="Shown once: store it now (e.g. in DIVBASE_TOKEN)")


def _active(user_id: int) -> Any:
    now = datetime.now(UTC)
    return (
        (PersonalAccessTokenRow.user_id == user_id)
        & PersonalAccessTokenRow.revoked_at.is_(None)
        & (PersonalAccessTokenRow.expires_at.is_(None) | (PersonalAccessTokenRow.expires_at > now))
    )


def _project_names(db: Database, ids: list[int] | None) -> list[str] | None:
    if ids is None:
        return None
    with db.session() as s:
        names = dict(s.execute(select(ProjectRow.id, ProjectRow.name).where(ProjectRow.id.in_(ids))).tuples().all())
    return [names.get(i, f"(deleted project {i})") for i in ids]


def _info(db: Database, row: PersonalAccessTokenRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "projects": _project_names(db, row.project_ids),
        "role": row.max_role,
        "task_history": row.task_history,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def _check_room(db: Database, user: UserRow, name: str, settings: ServiceSettings) -> None:
    with db.session() as s:
        count = s.scalar(select(func.count()).where(_active(user.id))) or 0
        taken = s.scalar(select(func.count()).where(_active(user.id), PersonalAccessTokenRow.name == name)) or 0
    if taken:
        raise HTTPException(409, f"You already have an active token named '{name}'. Choose another name.")
    if count >= settings.max_tokens_per_user:
        raise HTTPException(
            409,
            f"You already have {count} active tokens, the most allowed. "
            "Revoke one with 'divbase auth token revoke NAME' first.",
        )


@router.post("", status_code=201, responses=ERRORS)
def create(
    body: TokenRequest,
    user: SessionUser,
    db: Db,
    settings: Settings,
) -> NewToken:
    """Create a token; its secret is in the response and nowhere else."""
    _check_room(db, user, body.name, settings)
    project_ids = None
    if body.projects is not None:
        project_ids = sorted({resolve_access(db, user, name).project.id for name in body.projects})
    token, digest = new_personal_token()
    expires = datetime.now(UTC) + timedelta(days=body.expires_days) if body.expires_days is not None else None
    with db.session() as s:
        row = PersonalAccessTokenRow(
            user_id=user.id,
            name=body.name,
            description=body.description,
            token_hash=digest,
            project_ids=project_ids,
            max_role=body.role,
            task_history=body.task_history,
            expires_at=expires,
        )
        s.add(row)
        s.flush()
        s.refresh(row)
        s.expunge(row)
    return NewToken(**_info(db, row), token=token)


@router.get("", responses=ERRORS)
def list_tokens(user: SessionUser, db: Db, include_revoked: bool = False) -> list[TokenInfo]:
    """Your tokens, newest first (active ones unless `include_revoked`)."""
    query = select(PersonalAccessTokenRow).where(PersonalAccessTokenRow.user_id == user.id)
    if not include_revoked:
        query = query.where(_active(user.id))
    with db.session() as s:
        rows = list(s.scalars(query.order_by(PersonalAccessTokenRow.id.desc())))
        s.expunge_all()
    return [TokenInfo(**_info(db, row)) for row in rows]


@router.delete("/{token_id}", responses=ERRORS)
def revoke(token_id: Annotated[int, Path(ge=1)], user: SessionUser, db: Db) -> TokenInfo:
    """Revoke one of your tokens; it stops working at once. Revoking twice is harmless."""
    with db.session() as s:
        row = s.get(PersonalAccessTokenRow, token_id)
        if row is None or row.user_id != user.id:
            raise HTTPException(404, f"You have no token with id {token_id}. List them with 'divbase auth token ls'.")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        s.flush()
        s.expunge(row)
    return TokenInfo(**_info(db, row))
