"""FastAPI dependencies: the database and settings on `app.state`, the logged-in user, project access.

Routes that act on a project take the path parameter `project` (its name) and depend on
`project_access(MIN_ROLE)`. Unknown projects and projects the user is not a member of look the same (404),
so names of other people's projects do not leak; admins may act on every project as MANAGE.

A request authenticates with a session access token (JWT) or a personal access token. A personal access
token acts for its owner within its scope: the projects it names (403 elsewhere), a role cap (the effective
role is the weaker of the cap and the owner's role), and task history only when granted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from divbase.adapters.database import Database
from divbase.adapters.tables import PersonalAccessTokenRow, ProjectMemberRow, ProjectRow, UserRow
from divbase.core.errors import NotAuthorized
from divbase.core.roles import ROLES, allows
from divbase.service.security import SESSION_MESSAGE, decode, hash_personal_token, is_personal_token
from divbase.service.settings import ServiceSettings

NOT_LOGGED_IN = "You are not logged in. Log in with 'divbase auth login'."
ADMIN_ONLY = "Only divbase administrators can do this."
BAD_PERSONAL_TOKEN = (
    "This personal access token is invalid, expired or revoked. Create a new one with 'divbase auth token create'."
)
SESSION_ONLY = "Personal access tokens cannot do this; log in with 'divbase auth login'."
NO_HISTORY_SCOPE = "This personal access token does not have the task history scope."
LAST_USED_EVERY = timedelta(hours=1)

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="Access token from POST /v1/auth/login (renew it with POST /v1/auth/refresh).",
)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> ServiceSettings:
    """The app's settings; an app built without them reads the environment once."""
    settings: ServiceSettings | None = getattr(request.app.state, "settings", None)
    if settings is None:
        settings = ServiceSettings()
        request.app.state.settings = settings
    return settings


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# and each such hop costs about a millisecond here.


async def _db(request: Request) -> Database:
    return get_db(request)


async def _settings(request: Request) -> ServiceSettings:
    return get_settings(request)


Db = Annotated[Database, Depends(_db)]
Settings = Annotated[ServiceSettings, Depends(_settings)]


def unauthorized(detail: str = SESSION_MESSAGE) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def load_active_user(db: Database, user_id: int, generation: int | None = None) -> UserRow | None:
    """The user, when active (and, given a token's `generation`, when that session was not ended since)."""
    with db.session() as s:
        user = s.get(UserRow, user_id)
    if user is None or not user.is_active:
        return None
    if generation is not None and generation != user.session_generation:
        return None
    return user


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, and the personal access token when the call uses one (None: a session)."""

    user: UserRow
    token: PersonalAccessTokenRow | None = None

    def role_cap(self, project_id: int) -> str | None:
        """The strongest role this credential allows in the project: None when the token does not cover it."""
        if self.token is None:
            return "MANAGE"
        if self.token.project_ids is not None and project_id not in self.token.project_ids:
            return None
        return self.token.max_role


def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], db: Db, settings: Settings
) -> Principal:
    """The caller of a valid access token or personal access token; 401 (with `WWW-Authenticate`) otherwise."""
    if credentials is None or not credentials.credentials.strip():
        raise unauthorized(NOT_LOGGED_IN)
    if is_personal_token(credentials.credentials):
        return _personal_principal(db, credentials.credentials)
    try:
        claims = decode(credentials.credentials, settings, "access")
    except NotAuthorized as exc:
        raise unauthorized(exc.message) from exc
    user = load_active_user(db, claims.user_id, claims.gen)
    if user is None:
        raise unauthorized()
    return Principal(user)


def _personal_principal(db: Database, token: str) -> Principal:
    now = datetime.now(UTC)
    with db.session() as s:
        row = s.scalar(
            select(PersonalAccessTokenRow).where(PersonalAccessTokenRow.token_hash == hash_personal_token(token))
        )
        if row is None or row.revoked_at is not None or (row.expires_at is not None and _aware(row.expires_at) <= now):
            raise unauthorized(BAD_PERSONAL_TOKEN)
        if row.last_used_at is None or now - _aware(row.last_used_at) >= LAST_USED_EVERY:
            row.last_used_at = now
    user = load_active_user(db, row.user_id)
    if user is None:
        raise unauthorized(BAD_PERSONAL_TOKEN)
    return Principal(user, row)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> UserRow:
    return principal.user


async def session_user(principal: Annotated[Principal, Depends(current_principal)]) -> UserRow:
    """The user of a login session; personal access tokens are refused (403)."""
    if principal.token is not None:
        raise HTTPException(status_code=403, detail=SESSION_ONLY)
    return principal.user


async def history_user(principal: Annotated[Principal, Depends(current_principal)]) -> UserRow:
    """The user, for task history outside one project: a personal access token needs the history scope."""
    if principal.token is not None and not principal.token.task_history:
        raise HTTPException(status_code=403, detail=NO_HISTORY_SCOPE)
    return principal.user


async def current_admin(user: Annotated[UserRow, Depends(session_user)]) -> UserRow:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail=ADMIN_ONLY)
    return user


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[UserRow, Depends(current_user)]
SessionUser = Annotated[UserRow, Depends(session_user)]
HistoryUser = Annotated[UserRow, Depends(history_user)]
CurrentAdmin = Annotated[UserRow, Depends(current_admin)]


@dataclass(frozen=True)
class ProjectAccess:
    """A project the user may act on. `role` is the user's membership role (None for an admin who is not a
    member); `effective_role` is what the checks use (MANAGE for admins)."""

    project: ProjectRow
    user: UserRow
    role: str | None
    cap: str = "MANAGE"
    """The strongest role the credential allows (a personal access token's cap)."""

    @property
    def effective_role(self) -> str | None:
        role = "MANAGE" if self.user.is_admin else self.role
        if role is None or self.cap not in ROLES:
            return None
        return min(role, self.cap, key=ROLES.index)

    def allows(self, needed: str) -> bool:
        return allows(self.effective_role, needed)


def not_found(name: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"Project '{name}' not found or you are not a member of it.")


def too_weak(access: ProjectAccess, needed: str) -> HTTPException:
    name, role = access.project.name, access.effective_role
    if access.cap == role and role != ("MANAGE" if access.user.is_admin else access.role):
        detail = f"This personal access token is capped at {role} in project '{name}'; this needs {needed} or higher."
    else:
        detail = f"Your role in project '{name}' is {role}; this needs {needed} or higher."
    return HTTPException(status_code=403, detail=detail)


def out_of_scope(name: str) -> HTTPException:
    return HTTPException(status_code=403, detail=f"This personal access token does not cover project '{name}'.")


def resolve_access(db: Database, user: UserRow, name: str, principal: Principal | None = None) -> ProjectAccess:
    """The project called `name` with the user's role; 404 when it is unknown or the user is an outsider,
    403 when the personal access token in use does not cover it."""
    with db.session() as s:
        row = s.execute(
            select(ProjectRow, ProjectMemberRow.role)
            .outerjoin(
                ProjectMemberRow,
                (ProjectMemberRow.project_id == ProjectRow.id) & (ProjectMemberRow.user_id == user.id),
            )
            .where(ProjectRow.name == name)
        ).first()
    if row is None or (row[1] is None and not user.is_admin):
        raise not_found(name)
    cap = principal.role_cap(row[0].id) if principal is not None else "MANAGE"
    if cap is None:
        raise out_of_scope(name)
    return ProjectAccess(project=row[0], user=user, role=row[1], cap=cap)


def project_access(needed_role: str) -> Callable[..., ProjectAccess]:
    """A dependency granting access to path parameter `project` for members with at least `needed_role`."""
    if needed_role not in ROLES:
        raise ValueError(f"Unknown role {needed_role!r}; roles are {', '.join(ROLES)}.")

    def dependency(
        project: Annotated[str, Path(description="Project name", max_length=200)],
        principal: CurrentPrincipal,
        db: Db,
    ) -> ProjectAccess:
        access = resolve_access(db, principal.user, project, principal)
        if not access.allows(needed_role):
            raise too_weak(access, needed_role)
        return access

    dependency.__name__ = f"project_access_{needed_role.lower()}"
    return dependency
