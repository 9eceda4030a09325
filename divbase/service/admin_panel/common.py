"""Pieces shared by the admin panel's views: the base views, labelled foreign keys, UTC date input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette_admin import BaseField, DateTimeField, EnumField, JSONField
from starlette_admin.contrib.sqla import ModelView
from starlette_admin.exceptions import FormValidationError

from divbase.adapters.tables import ProjectRow, UserRow
from divbase.core.errors import DivbaseError

T = TypeVar("T")
Choices = list[tuple[int, str]]


async def in_thread(func: Callable[..., T], *args: Any) -> T:
    """Run blocking work (database, Argon2, S3) off the event loop."""
    return await anyio.to_thread.run_sync(partial(func, *args))


def session_of(request: Request) -> Session:
    """The request's SQLAlchemy session (opened and committed by starlette-admin's DBSessionMiddleware)."""
    session: Session = request.state.session
    return session


def checked(field: str, check: Callable[[str], str], value: Any) -> str:
    """`check(value)`, with a divbase validation error shown on the form field."""
    try:
        return check(str(value or ""))
    except DivbaseError as exc:
        raise FormValidationError({field: exc.message}) from None


class UtcDateTimeField(DateTimeField):
    """A date-time input stored as an aware UTC datetime (the columns are `timestamptz`)."""

    async def parse_form_data(self, request: Request, form_data: FormData) -> datetime | None:
        value = await super().parse_form_data(request, form_data)
        return None if value is None else value.replace(tzinfo=UTC)


def info(field: type[BaseField], name: str, **options: Any) -> BaseField:
    """A field shown in lists and details, never in forms."""
    return field(name, exclude_from_create=True, exclude_from_edit=True, **options)


def json_detail(name: str, **options: Any) -> JSONField:
    """A read-only JSON value, shown on the detail page only (lists stay narrow)."""
    return JSONField(
        name, read_only=True, exclude_from_list=True, exclude_from_create=True, exclude_from_edit=True, **options
    )


# -- foreign keys shown by name -----------------------------------------------------------------------


def _cached_choices(request: Request, kind: str, query: Select[tuple[int, str]]) -> Choices:
    """(id, label) pairs, loaded once per request (every row of a list asks for its label)."""
    cache: dict[str, Choices] | None = getattr(request.state, "divbase_choices", None)
    if cache is None:
        cache = {}
        request.state.divbase_choices = cache
    if kind not in cache:
        cache[kind] = [(int(i), str(label)) for i, label in session_of(request).execute(query).all()]
    return cache[kind]


def user_choices(request: Request) -> Choices:
    return _cached_choices(request, "users", select(UserRow.id, UserRow.email).order_by(UserRow.email))


def project_choices(request: Request) -> Choices:
    return _cached_choices(request, "projects", select(ProjectRow.id, ProjectRow.name).order_by(ProjectRow.name))


def user_field(name: str = "user_id", label: str = "User", **options: Any) -> EnumField:
    return EnumField(name, label=label, choices_loader=user_choices, coerce=int, **options)


def project_field(name: str = "project_id", label: str = "Project", **options: Any) -> EnumField:
    return EnumField(name, label=label, choices_loader=project_choices, coerce=int, **options)


# -- views ----------------------------------------------------------------------------------------------


class PanelView(ModelView):
    """A model view without import (it would bypass the views' checks); sorting and search on real columns."""

    page_size = 25
    page_size_options = (25, 50, 100)

    def __init__(self, model: type[Any], fields: Sequence[BaseField], *, key: str, label: str, name: str) -> None:
        self.fields = list(fields)
        columns = {attr.key for attr in inspect(model).column_attrs}
        plain = [f.name for f in self.fields if f.name in columns and not isinstance(f, JSONField) and not f.getter]
        self.sortable_fields = plain
        self.searchable_fields = plain
        super().__init__(model, key=key, menu_label=label, display_name=name)

    def can_import(self, request: Request) -> bool:
        return False


class ReadOnlyView(PanelView):
    """List and detail only."""

    def can_create(self, request: Request) -> bool:
        return False

    def can_edit(self, request: Request) -> bool:
        return False

    def can_delete(self, request: Request) -> bool:
        return False


class EditOnlyView(PanelView):
    """List, detail and edit: rows are made elsewhere and never deleted here."""

    def can_create(self, request: Request) -> bool:
        return False

    def can_delete(self, request: Request) -> bool:
        return False


def edited_pk(request: Request) -> int | None:
    """The primary key of the row an edit form changes (None on create)."""
    raw = request.query_params.get("pk")
    return int(raw) if raw is not None and raw.isdigit() else None
