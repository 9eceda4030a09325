"""Admin panel views of people and projects: users, projects, memberships, access tokens, revoked tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import inspect, select
from starlette.requests import Request
from starlette_admin import (
    BooleanField,
    DateTimeField,
    EnumField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from starlette_admin.exceptions import FormValidationError

from divbase.adapters.s3_bucket import create_bucket
from divbase.adapters.tables import (
    PersonalAccessTokenRow,
    ProjectMemberRow,
    ProjectRow,
    RevokedTokenRow,
    UserRow,
)
from divbase.core.roles import ROLES
from divbase.service.admin import check_password, check_project_name, normalise_email
from divbase.service.admin_panel.auth import SESSION_KEY
from divbase.service.admin_panel.common import (
    EditOnlyView,
    PanelView,
    ReadOnlyView,
    UtcDateTimeField,
    checked,
    edited_pk,
    in_thread,
    info,
    json_detail,
    project_choices,
    project_field,
    session_of,
    user_choices,
    user_field,
)
from divbase.service.security import hash_password

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _stamps() -> list[Any]:
    return [info(DateTimeField, "created_at"), info(DateTimeField, "updated_at")]


class UserView(PanelView):
    """Users: create (the password is stored as an Argon2 hash), edit name and flags; no delete."""

    def __init__(self) -> None:
        fields = [
            info(IntegerField, "id", label="ID"),
            StringField("email", input_type="email", required=True, maxlength=254, exclude_from_edit=True),
            StringField("name", maxlength=200, help_text="Default: the part of the email before '@'."),
            PasswordField(
                "password",
                required=True,
                help_text="10 to 100 characters; only its Argon2 hash is stored.",
                exclude_from_list=True,
                exclude_from_detail=True,
                exclude_from_edit=True,
                exclude_from_export=True,
            ),
            BooleanField("is_admin", label="Admin"),
            BooleanField("is_active", label="Active", default=True),
            *_stamps(),
        ]
        super().__init__(UserRow, fields, key="users", label="Users", name="User")

    def can_delete(self, request: Request) -> bool:
        return False

    async def repr(self, obj: Any, request: Request) -> str:
        return str(obj.email)

    async def create(self, request: Request, data: dict[str, Any]) -> Any:
        email = checked("email", normalise_email, data.get("email"))
        password = checked("password", check_password, data.get("password"))
        session = session_of(request)
        if await in_thread(session.scalar, select(UserRow.id).where(UserRow.email == email)) is not None:
            raise FormValidationError({"email": f"User {email} already exists."})
        row = UserRow(
            email=email,
            name=str(data.get("name") or "").strip() or email.split("@")[0],
            password_hash=await in_thread(hash_password, password),
            is_admin=bool(data.get("is_admin")),
            is_active=bool(data.get("is_active")),
        )
        session.add(row)
        await in_thread(session.flush)
        return row

    async def before_edit(self, request: Request, data: dict[str, Any], obj: Any) -> None:
        """Deactivating a user ends their sessions (they stay ended if the user is reactivated)."""
        was_active = inspect(obj).attrs.is_active.history.deleted
        if was_active and was_active[0] and not obj.is_active:
            obj.session_generation += 1

    async def validate(self, request: Request, data: dict[str, Any]) -> None:
        """An admin cannot lock themselves out of the panel."""
        pk = edited_pk(request)
        if pk is None or pk != request.session.get(SESSION_KEY):
            return
        errors: dict[str | int, Any] = {}
        if not data.get("is_admin", True):
            errors["is_admin"] = "You cannot remove your own admin rights."
        if not data.get("is_active", True):
            errors["is_active"] = "You cannot deactivate your own account."
        if errors:
            raise FormValidationError(errors)


class ProjectView(PanelView):
    """Projects: create (with their versioned bucket, as `divbase admin create-project` does), rename; no delete."""

    def __init__(self, s3: Callable[[], Any], bucket_prefix: str) -> None:
        self.s3 = s3
        self.bucket_prefix = bucket_prefix
        fields = [
            info(IntegerField, "id", label="ID"),
            StringField("name", required=True, maxlength=63, help_text="3-63 lowercase letters, digits and '-'."),
            StringField(
                "bucket_name",
                exclude_from_edit=True,
                help_text=f"Default: {bucket_prefix}NAME. The versioned bucket is created if it does not exist.",
            ),
            *_stamps(),
        ]
        super().__init__(ProjectRow, fields, key="projects", label="Projects", name="Project")

    def can_delete(self, request: Request) -> bool:
        return False

    async def repr(self, obj: Any, request: Request) -> str:
        return str(obj.name)

    async def validate(self, request: Request, data: dict[str, Any]) -> None:
        name = checked("name", check_project_name, data.get("name"))
        taken = select(ProjectRow.id).where(ProjectRow.name == name, ProjectRow.id != (edited_pk(request) or -1))
        if await in_thread(session_of(request).scalar, taken) is not None:
            raise FormValidationError({"name": f"Project '{name}' already exists."})

    async def create(self, request: Request, data: dict[str, Any]) -> Any:
        await self.validate(request, data)
        name = str(data["name"])
        bucket = str(data.get("bucket_name") or "").strip() or self.bucket_prefix + name
        if not BUCKET_NAME.match(bucket):
            raise FormValidationError({"bucket_name": "Use 3-63 lowercase letters, digits, '.' and '-'."})
        try:
            await in_thread(create_bucket, self.s3(), bucket)
        except Exception as exc:
            raise FormValidationError({"bucket_name": f"Could not create bucket {bucket}: {exc}"}) from None
        row = ProjectRow(name=name, bucket_name=bucket)
        session_of(request).add(row)
        await in_thread(session_of(request).flush)
        return row


class MembershipView(PanelView):
    """Who may do what in which project (READ < QUERY < EDIT < MANAGE)."""

    def __init__(self) -> None:
        fields = [
            info(IntegerField, "id", label="ID"),
            project_field(required=True, exclude_from_edit=True),
            user_field(required=True, exclude_from_edit=True),
            EnumField("role", choices=list(ROLES), required=True),
            *_stamps(),
        ]
        super().__init__(ProjectMemberRow, fields, key="memberships", label="Project memberships", name="Membership")

    async def validate(self, request: Request, data: dict[str, Any]) -> None:
        if data.get("role") not in ROLES:
            raise FormValidationError({"role": f"Choose one of {', '.join(ROLES)}."})
        if edited_pk(request) is not None:
            return
        project_id, user_id = data.get("project_id"), data.get("user_id")
        if project_id not in dict(project_choices(request)):
            raise FormValidationError({"project_id": "Choose a project."})
        if user_id not in dict(user_choices(request)):
            raise FormValidationError({"user_id": "Choose a user."})
        existing = select(ProjectMemberRow.id).where(
            ProjectMemberRow.project_id == project_id, ProjectMemberRow.user_id == user_id
        )
        if await in_thread(session_of(request).scalar, existing) is not None:
            raise FormValidationError({"user_id": "Already a member of this project; edit that membership instead."})


class AccessTokenView(EditOnlyView):
    """Personal access tokens: read-only except revoking (or un-revoking) them; the hash is never shown."""

    def __init__(self) -> None:
        fields = [
            info(IntegerField, "id", label="ID"),
            info(EnumField, "user_id", label="User", choices_loader=user_choices, coerce=int),
            info(StringField, "name"),
            info(TextAreaField, "description", exclude_from_list=True),
            json_detail("project_ids", label="Projects (ids; empty: all the user's projects)"),
            info(StringField, "max_role", label="Role cap"),
            info(BooleanField, "task_history", label="Task history scope"),
            info(DateTimeField, "expires_at"),
            info(DateTimeField, "last_used_at"),
            UtcDateTimeField("revoked_at", help_text="Set to revoke the token (UTC); clear to restore it."),
            info(DateTimeField, "created_at"),
        ]
        super().__init__(
            PersonalAccessTokenRow, fields, key="access-tokens", label="Personal access tokens", name="Token"
        )


class RevokedTokenView(ReadOnlyView):
    """Refresh tokens that may not be used again, kept until they expire."""

    def __init__(self) -> None:
        fields = [
            IntegerField("id", label="ID"),
            StringField("jti", label="Token id (jti)"),
            user_field(),
            StringField("reason"),
            DateTimeField("revoked_at"),
            DateTimeField("expires_at"),
        ]
        super().__init__(RevokedTokenRow, fields, key="revoked-tokens", label="Revoked tokens", name="Revoked token")
