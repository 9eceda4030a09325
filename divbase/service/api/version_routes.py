"""Project versions (named checkpoints) of a project on the server.

A version records the S3 version id, ETag and size of the latest version of every file of the project
(folder markers and query results left out); `divbase files download --project-version NAME` fetches
exactly those versions later. Creating one needs QUERY, reading READ, renaming, deleting (soft) and
restoring EDIT. Rules and messages: `core.project_versions` and `adapters.project_versions`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from divbase.adapters.project_versions import ProjectVersions
from divbase.adapters.s3_bucket import S3Bucket
from divbase.service.api.deps import ProjectAccess, get_db, project_access

router = APIRouter(prefix="/v1/projects/{project}/versions", tags=["project versions"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid name or description, name taken, empty project, or version deleted"},
    401: {"description": "Not logged in"},
    403: {"description": "Role too weak"},
    404: {"description": "Unknown project or version"},
}
_NAME = Path(description="Version name", max_length=200)


class NewVersion(BaseModel):
    name: str = Field(max_length=1000, description="1-100 characters; no '/', '\\' or control characters")
    description: str = Field("", max_length=5000, description="At most 500 characters")


class VersionChange(BaseModel):
    new_name: str | None = Field(None, max_length=1000)
    new_description: str | None = Field(None, max_length=5000)


def _versions(request: Request, access: ProjectAccess) -> ProjectVersions:
    return ProjectVersions(get_db(request), access.project.id)


@router.post("", status_code=201, responses=ERRORS)
def create(
    request: Request, body: NewVersion, access: ProjectAccess = Depends(project_access("QUERY"))
) -> dict[str, Any]:
    """Record the latest version of every file of the project under a new name."""
    bucket = S3Bucket(access.project.bucket_name, request.app.state.s3)
    made = _versions(request, access).create(bucket, body.name, body.description, access.user.id)
    return made.summary()


@router.get("", responses=ERRORS)
def list_versions(
    request: Request,
    include_deleted: bool = Query(False, description="Also list soft-deleted versions"),
    access: ProjectAccess = Depends(project_access("READ")),
) -> dict[str, Any]:
    """The project's versions, newest first."""
    return {"versions": [v.summary() for v in _versions(request, access).list(include_deleted)]}


@router.get("/{name}", responses=ERRORS)
def details(
    request: Request, name: str = _NAME, access: ProjectAccess = Depends(project_access("READ"))
) -> dict[str, Any]:
    """One version with its files `{key: {version_id, etag, size}}` (soft-deleted versions too)."""
    return _versions(request, access).get(name).details()


@router.patch("/{name}", responses=ERRORS)
def update(
    request: Request,
    body: VersionChange,
    name: str = _NAME,
    access: ProjectAccess = Depends(project_access("EDIT")),
) -> dict[str, Any]:
    """Rename a version and/or change its description (its files never change)."""
    return _versions(request, access).update(name, body.new_name, body.new_description).summary()


@router.delete("/{name}", responses=ERRORS)
def delete(
    request: Request, name: str = _NAME, access: ProjectAccess = Depends(project_access("EDIT"))
) -> dict[str, Any]:
    """Soft delete (idempotent: `already_deleted` tells whether it was deleted before)."""
    version, already = _versions(request, access).delete(name)
    return {**version.summary(), "already_deleted": already}


@router.post("/{name}/restore", responses=ERRORS)
def restore(
    request: Request, name: str = _NAME, access: ProjectAccess = Depends(project_access("EDIT"))
) -> dict[str, Any]:
    """Undo a soft delete (`restored` is false when the version was not deleted)."""
    version, was_deleted = _versions(request, access).restore(name)
    return {**version.summary(), "restored": was_deleted}
