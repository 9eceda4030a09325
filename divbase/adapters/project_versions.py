"""Project versions in the database (table `project_versions`), the same on SQLite and PostgreSQL.

`ProjectVersions(db, project_id)` creates, lists, shows, renames/redescribes, soft deletes and restores the
named checkpoints of one project. Names are unique per project, deleted versions included (a deleted
version keeps its name until it is restored or purged). Rules and messages: `core.project_versions`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectVersionRow, UserRow, utcnow
from divbase.core.errors import InvalidInput, NotFound
from divbase.core.ports import Bucket, ObjectInfo
from divbase.core.project_versions import check_description, check_name, snapshot


@dataclass(frozen=True)
class ProjectVersion:
    """One checkpoint as the CLI and the API show it."""

    name: str
    description: str
    created_at: datetime
    deleted_at: datetime | None
    created_by: str | None
    files: dict[str, dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        """JSON-ready fields without the file list."""
        return {
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "is_deleted": self.deleted_at is not None,
            "deleted_at": self.deleted_at.isoformat() if self.deleted_at else None,
            "file_count": len(self.files),
        }

    def details(self) -> dict[str, Any]:
        return {**self.summary(), "files": self.files}


class ProjectVersions:
    """The project versions of one project."""

    def __init__(self, db: Database, project_id: int) -> None:
        self.db = db
        self.project_id = project_id

    def create(
        self,
        bucket: Bucket,
        name: str,
        description: str = "",
        user_id: int | None = None,
        keep: Callable[[ObjectInfo], None] | None = None,
    ) -> ProjectVersion:
        """Record the latest version of every file of `bucket` under `name`; `keep` is called for each
        recorded file first (local mode uses it to keep the content in the versions store)."""
        check_name(name)
        check_description(description)
        with self.db.session() as s:
            self._refuse_taken(s, name)
        objects = bucket.list()
        files = snapshot(objects)
        if keep is not None:
            for info in objects:
                if info.key in files:
                    keep(info)
        row = ProjectVersionRow(
            project_id=self.project_id, name=name, description=description, files=files, created_by=user_id
        )
        try:
            with self.db.session() as s:
                s.add(row)
        except IntegrityError:  # created by someone else since the check above
            raise _taken(name, deleted=False) from None
        return self.get(name)

    def list(self, include_deleted: bool = False) -> list[ProjectVersion]:
        """Newest first; soft-deleted versions only with `include_deleted`."""
        query = self._select().order_by(ProjectVersionRow.created_at.desc(), ProjectVersionRow.id.desc())
        if not include_deleted:
            query = query.where(ProjectVersionRow.deleted_at.is_(None))
        with self.db.session() as s:
            return [_version(row, email) for row, email in s.execute(query)]

    def get(self, name: str) -> ProjectVersion:
        """One version with its files (deleted ones too); NotFound when there is none by that name."""
        with self.db.session() as s:
            found = s.execute(self._select().where(ProjectVersionRow.name == name)).first()
        if found is None:
            raise _missing(name)
        return _version(found[0], found[1])

    def update(self, name: str, new_name: str | None = None, new_description: str | None = None) -> ProjectVersion:
        """Rename and/or redescribe a live version."""
        if new_name is None and new_description is None:
            raise InvalidInput(f"Nothing to change for version '{name}'.", "Give --new-name and/or --new-description.")
        if new_name is not None:
            check_name(new_name)
        if new_description is not None:
            check_description(new_description)
        try:
            with self.db.session() as s:
                row = self._row(s, name)
                if row.deleted_at is not None:
                    raise InvalidInput(
                        f"Version '{name}' is deleted; restore it before changing it.",
                        f"Run 'divbase version restore {shlex.quote(name)}' first.",
                    )
                if new_name is not None and new_name != name:
                    self._refuse_taken(s, new_name)
                    row.name = new_name
                if new_description is not None:
                    row.description = new_description
        except IntegrityError:
            raise _taken(str(new_name), deleted=False) from None
        return self.get(new_name or name)

    def delete(self, name: str) -> tuple[ProjectVersion, bool]:
        """Soft delete; the flag says whether it was deleted already (then nothing changes)."""
        with self.db.session() as s:
            row = self._row(s, name)
            already = row.deleted_at is not None
            if not already:
                row.deleted_at = utcnow()
        return self.get(name), already

    def restore(self, name: str) -> tuple[ProjectVersion, bool]:
        """Undo a soft delete; the flag says whether it was deleted (False: it was live, nothing changes)."""
        with self.db.session() as s:
            row = self._row(s, name)
            was_deleted = row.deleted_at is not None
            row.deleted_at = None
        return self.get(name), was_deleted

    # -- helpers -----------------------------------------------------------------------------------

    def _select(self) -> Select[tuple[ProjectVersionRow, str]]:
        return (
            select(ProjectVersionRow, UserRow.email)
            .outerjoin(UserRow, UserRow.id == ProjectVersionRow.created_by)
            .where(ProjectVersionRow.project_id == self.project_id)
        )

    def _row(self, s: Session, name: str) -> ProjectVersionRow:
        row = s.scalar(self._by_name(name))
        if row is None:
            raise _missing(name)
        return row

    def _refuse_taken(self, s: Session, name: str) -> None:
        row = s.scalar(self._by_name(name))
        if row is not None:
            raise _taken(name, deleted=row.deleted_at is not None)

    def _by_name(self, name: str) -> Select[tuple[ProjectVersionRow]]:
        return select(ProjectVersionRow).where(
            ProjectVersionRow.project_id == self.project_id, ProjectVersionRow.name == name
        )


def _version(row: ProjectVersionRow, email: str | None) -> ProjectVersion:
    return ProjectVersion(
        name=row.name,
        description=row.description,
        created_at=_aware(row.created_at),
        deleted_at=_aware(row.deleted_at) if row.deleted_at else None,
        created_by=email,
        files=dict(row.files),
    )


def _aware(moment: datetime) -> datetime:
    """UTC with its time zone (SQLite hands back naive UTC datetimes, PostgreSQL aware ones)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _missing(name: str) -> NotFound:
    return NotFound(
        f"No version named '{name}' in this project.", "List the versions with 'divbase version ls --include-deleted'."
    )


def _taken(name: str, deleted: bool) -> InvalidInput:
    if deleted:
        return InvalidInput(
            f"A deleted version named '{name}' already exists in this project.",
            f"Choose another name, or bring it back with 'divbase version restore {shlex.quote(name)}'.",
        )
    return InvalidInput(
        f"A version named '{name}' already exists in this project.",
        "Choose another name; list the versions with 'divbase version ls'.",
    )
