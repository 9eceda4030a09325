"""Per-project reads: the dimensions index and download links for files (results included)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from divbase.core.keys import check_key
from divbase.service.api.deps import ProjectAccess, get_db, project_access

router = APIRouter(prefix="/v1/projects", tags=["projects"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unsafe key"},
    401: {"description": "Not logged in"},
    403: {"description": "Role too weak"},
    404: {"description": "Unknown project or file"},
}


@router.get("/{project}/dimensions", responses=ERRORS)
def dimensions(request: Request, access: ProjectAccess = Depends(project_access("READ"))) -> dict[str, Any]:
    """Indexed VCF files (samples, scaffolds, variant counts) and skipped files with the reason."""
    return get_db(request).dimensions(access.project.id).as_json()


@router.get("/{project}/files/download-url", responses=ERRORS)
def download_url(
    request: Request,
    key: str = Query(..., description="Object key in the project bucket"),
    access: ProjectAccess = Depends(project_access("READ")),
) -> dict[str, Any]:
    """A presigned GET URL for one object (the CLI downloads straight from S3)."""
    from divbase.adapters.s3_bucket import S3Bucket

    key = check_key(key)
    bucket = S3Bucket(access.project.bucket_name, request.app.state.s3)
    info = bucket.head(key)
    url = request.app.state.s3_presign.generate_presigned_url(
        "get_object", Params={"Bucket": access.project.bucket_name, "Key": key}, ExpiresIn=3600
    )
    return {"key": key, "url": url, "etag": info.etag, "size": info.size}
