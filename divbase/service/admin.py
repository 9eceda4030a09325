"""First-time setup of a divbase server: users, projects and memberships, straight on the database.

Used by the `divbase admin` CLI and by tests. Creating a project's S3 bucket is the storage adapter's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectMemberRow, ProjectRow, UserRow
from divbase.core.errors import InvalidInput, NotFound
from divbase.core.roles import ROLES
from divbase.service.security import hash_password

PROJECT_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_EMAIL = 254
MIN_PASSWORD, MAX_PASSWORD = 10, 100


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    role: str


# -- validation ---------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > MAX_EMAIL or not EMAIL.match(value):
        raise InvalidInput(f"'{email}' is not an email address.", "Give an address like name@example.org.")
    return value


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"Passwords must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long.")
    return password


def check_project_name(name: str) -> str:
    if not PROJECT_NAME.match(name):
        raise InvalidInput(
            f"'{name}' is not a valid project name.",
            "Use 3-63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
        )
    return name


def check_role(role: str) -> str:
    value = role.strip().upper()
    if value not in ROLES:
        raise InvalidInput(f"Unknown role '{role}'.", f"Choose one of {', '.join(ROLES)}.")
    return value


# -- lookups ------------------------------------------------------------------------------------------


def _user(s: Session, email: str) -> UserRow:
    row = s.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
    if row is None:
        raise NotFound(f"User {email} does not exist.", "Create it with 'divbase admin create-user'.")
    return row


def _project(s: Session, name: str) -> ProjectRow:
    row = s.scalar(select(ProjectRow).where(ProjectRow.name == name))
    if row is None:
        raise NotFound(f"Project '{name}' does not exist.", "Create it with 'divbase admin create-project'.")
    return row


# -- users --------------------------------------------------------------------------------------------


def create_user(db: Database, email: str, password: str, *, name: str = "", admin: bool = False) -> int:
    """A new active user; `name` defaults to the part of the address before '@'. Returns the user id."""
    address = normalise_email(email)
    row = UserRow(
        email=address,
        name=name.strip() or address.split("@")[0],
        password_hash=hash_password(check_password(password)),
        is_admin=admin,
        is_active=True,
    )
    try:
        with db.session() as s:
            if s.scalar(select(UserRow.id).where(UserRow.email == address)) is not None:
                raise InvalidInput(f"User {address} already exists.")
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError as exc:
        raise InvalidInput(f"User {address} already exists.") from exc


def set_password(db: Database, email: str, password: str) -> None:
    """Set a new password; it ends the user's sessions everywhere (personal access tokens stay valid)."""
    new_hash = hash_password(check_password(password))
    with db.session() as s:
        user = _user(s, email)
        user.password_hash = new_hash
        user.session_generation += 1


def set_active(db: Database, email: str, active: bool) -> None:
    """Deactivate (or reactivate) a user: inactive users cannot log in and their tokens stop working; the
    sessions they had stay ended after a reactivation."""
    with db.session() as s:
        user = _user(s, email)
        if user.is_active and not active:
            user.session_generation += 1
        user.is_active = active


# -- projects -----------------------------------------------------------------------------------------


def create_project(db: Database, name: str, bucket_name: str) -> int:
    """A new project stored in `bucket_name` (which must already exist or be created separately)."""
    check_project_name(name)
    if not bucket_name.strip():
        raise InvalidInput("The bucket name is empty.")
    try:
        with db.session() as s:
            if s.scalar(select(ProjectRow.id).where(ProjectRow.name == name)) is not None:
                raise InvalidInput(f"Project '{name}' already exists.")
            row = ProjectRow(name=name, bucket_name=bucket_name.strip())
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError as exc:
        raise InvalidInput(f"Project '{name}' already exists.") from exc


def add_member(db: Database, project_name: str, email: str, role: str) -> None:
    """Give `email` the `role` in the project; an existing membership gets the new role."""
    wanted = check_role(role)
    with db.session() as s:
        project, user = _project(s, project_name), _user(s, email)
        row = s.scalar(
            select(ProjectMemberRow).where(
                ProjectMemberRow.project_id == project.id, ProjectMemberRow.user_id == user.id
            )
        )
        if row is None:
            s.add(ProjectMemberRow(project_id=project.id, user_id=user.id, role=wanted))
        else:
            row.role = wanted


def list_members(db: Database, project_name: str) -> list[Member]:
    """The project's members, strongest role first, then by email."""
    with db.session() as s:
        project = _project(s, project_name)
        rows = s.execute(
            select(UserRow.email, UserRow.name, ProjectMemberRow.role)
            .join(ProjectMemberRow, ProjectMemberRow.user_id == UserRow.id)
            .where(ProjectMemberRow.project_id == project.id)
        ).all()
    members = [Member(email=e, name=n, role=r) for e, n, r in rows]
    return sorted(members, key=lambda m: (-_strength(m.role), m.email))


def _strength(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1
