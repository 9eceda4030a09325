"""FastAPI dependencies: the database and settings on `app.state`, the logged-in user, project access.

Routes that act on a project take the path parameter `project` (its name) and depend on
`project_access(MIN_ROLE)`. Unknown projects and projects the user is not a member of look the same (404),
so names of other people's projects do not leak; admins may act on every project as MANAGE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectMemberRow, ProjectRow, UserRow
from divbase.core.errors import NotAuthorized
from divbase.core.roles import ROLES, allows
from divbase.service.security import SESSION_MESSAGE, decode
from divbase.service.settings import ServiceSettings

NOT_LOGGED_IN = "You are not logged in. Log in with 'divbase auth login'."
ADMIN_ONLY = "Only divbase administrators can do this."

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


def unauthorized(detail: str = SESSION_MESSAGE) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def load_active_user(db: Database, user_id: int) -> UserRow | None:
    with db.session() as s:
        user = s.get(UserRow, user_id)
        return user if user is not None and user.is_active else None


def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[ServiceSettings, Depends(get_settings)],
) -> UserRow:
    """The active user of a valid access token; 401 (with `WWW-Authenticate: Bearer`) otherwise."""
    if credentials is None or not credentials.credentials.strip():
        raise unauthorized(NOT_LOGGED_IN)
    try:
        claims = decode(credentials.credentials, settings, "access")
    except NotAuthorized as exc:
        raise unauthorized(exc.message) from exc
    user = load_active_user(db, claims.user_id)
    if user is None:
        raise unauthorized()
    return user


def current_admin(user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail=ADMIN_ONLY)
    return user


CurrentUser = Annotated[UserRow, Depends(current_user)]
CurrentAdmin = Annotated[UserRow, Depends(current_admin)]


@dataclass(frozen=True)
class ProjectAccess:
    """A project the user may act on. `role` is the user's membership role (None for an admin who is not a
    member); `effective_role` is what the checks use (MANAGE for admins)."""

    project: ProjectRow
    user: UserRow
    role: str | None

    @property
    def effective_role(self) -> str | None:
        return "MANAGE" if self.user.is_admin else self.role

    def allows(self, needed: str) -> bool:
        return allows(self.effective_role, needed)


def not_found(name: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"Project '{name}' not found or you are not a member of it.")


def too_weak(name: str, role: str | None, needed: str) -> HTTPException:
    return HTTPException(
        status_code=403, detail=f"Your role in project '{name}' is {role}; this needs {needed} or higher."
    )


def resolve_access(db: Database, user: UserRow, name: str) -> ProjectAccess:
    """The project called `name` with the user's role; 404 when it is unknown or the user is an outsider."""
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
    return ProjectAccess(project=row[0], user=user, role=row[1])


def project_access(needed_role: str) -> Callable[..., ProjectAccess]:
    """A dependency granting access to path parameter `project` for members with at least `needed_role`."""
    if needed_role not in ROLES:
        raise ValueError(f"Unknown role {needed_role!r}; roles are {', '.join(ROLES)}.")

    def dependency(
        project: Annotated[str, Path(description="Project name", max_length=200)],
        user: CurrentUser,
        db: Annotated[Database, Depends(get_db)],
    ) -> ProjectAccess:
        access = resolve_access(db, user, project)
        if not access.allows(needed_role):
            raise too_weak(project, access.role, needed_role)
        return access

    dependency.__name__ = f"project_access_{needed_role.lower()}"
    return dependency
