"""Admin panel views of what projects hold: the VCF dimensions index and the project versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette_admin import BaseField, DateTimeField, IntegerField, StringField, TextAreaField
from starlette_admin.exceptions import FormValidationError

from divbase.adapters.tables import ProjectVersionRow, VcfFileRow, VcfSkippedRow
from divbase.core.project_versions import MAX_DESCRIPTION, MAX_NAME, check_description, check_name
from divbase.service.admin_panel.common import (
    EditOnlyView,
    ReadOnlyView,
    UtcDateTimeField,
    checked,
    edited_pk,
    in_thread,
    info,
    json_detail,
    project_field,
    session_of,
    user_field,
)


def _object_fields() -> list[BaseField]:
    """The columns that name a bucket object version, first in both dimensions views."""
    return [
        IntegerField("id", label="ID"),
        project_field(),
        StringField("key", label="File"),
        StringField("version", label="S3 version"),
    ]


class VcfFileView(ReadOnlyView):
    """One row per indexed VCF object version (what `dimensions-update` recorded)."""

    def __init__(self) -> None:
        fields = [
            *_object_fields(),
            IntegerField("size", label="Bytes"),
            IntegerField("variant_count", label="Variants"),
            IntegerField("sample_count", label="Samples"),
            json_detail("samples", label="Sample names (header order)"),
            json_detail("scaffolds"),
            json_detail("header_contigs"),
            DateTimeField("updated_at", label="Indexed"),
        ]
        super().__init__(VcfFileRow, fields, key="vcf-files", label="Dimensions: VCF files", name="VCF file")


class VcfSkippedView(ReadOnlyView):
    """VCF objects the index leaves out: divbase results, or broken files with the reason."""

    def __init__(self) -> None:
        fields = [
            *_object_fields(),
            TextAreaField("reason"),
            DateTimeField("updated_at", label="Checked"),
        ]
        super().__init__(
            VcfSkippedRow, fields, key="vcf-skipped", label="Dimensions: skipped files", name="Skipped VCF file"
        )


class ProjectVersionView(EditOnlyView):
    """Named checkpoints of a project: rename, describe, delete or restore (clear "Deleted at")."""

    def __init__(self) -> None:
        fields = [
            info(IntegerField, "id", label="ID"),
            project_field(exclude_from_edit=True),
            StringField("name", required=True, maxlength=MAX_NAME),
            TextAreaField("description", maxlength=MAX_DESCRIPTION, exclude_from_list=True),
            json_detail("files", label="Files (key: version id, ETag, size)"),
            user_field("created_by", label="Created by", exclude_from_edit=True),
            info(DateTimeField, "created_at"),
            UtcDateTimeField("deleted_at", help_text="Set to soft-delete the version (UTC); clear to restore it."),
        ]
        super().__init__(ProjectVersionRow, fields, key="project-versions", label="Project versions", name="Version")

    async def validate(self, request: Request, data: dict[str, Any]) -> None:
        """The rules of `divbase version update`: valid name and description, names unique in the project."""
        name = data["name"] = checked("name", check_name, data.get("name"))
        data["description"] = checked("description", check_description, data.get("description"))
        session = session_of(request)
        pk = edited_pk(request)
        current = await in_thread(session.get, ProjectVersionRow, pk) if pk is not None else None
        if current is None:
            return
        clash = select(ProjectVersionRow.id).where(
            ProjectVersionRow.project_id == current.project_id,
            ProjectVersionRow.name == name,
            ProjectVersionRow.id != current.id,
        )
        if await in_thread(session.scalar, clash) is not None:
            raise FormValidationError({"name": f"The project already has a version named '{name}'."})
