"""A project's files on the server: listing, upload links, soft delete, restore and versions.

Bytes never pass through the API: uploads get presigned PUT URLs (one URL up to 96 MiB, above that a
multipart upload with one URL per 32 MiB part, completed or aborted here), downloads use the presigned
GET of `GET /v1/projects/{project}/files/download-url` (project_routes.py) or, for an older version,
`GET .../files/version-url`. Deleting is a soft delete (an S3 delete marker); restoring copies the newest
(or a chosen) non-marker version onto the key, which makes a new version and needs no right to delete
versions. At most 100 keys per request.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from divbase.adapters.s3_bucket import NoBucket, S3Bucket
from divbase.adapters.s3_etag import MAX_PARTS, MULTIPART_THRESHOLD, PART_SIZE
from divbase.core.errors import InvalidInput, NotFound
from divbase.core.filenames import check_batch, check_upload
from divbase.core.keys import check_key
from divbase.core.ports import VersionInfo
from divbase.service.api.deps import ProjectAccess, project_access

router = APIRouter(prefix="/v1/projects/{project}/files", tags=["files"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unsafe or unsupported file name"},
    401: {"description": "Not logged in"},
    403: {"description": "Role too weak"},
    404: {"description": "Unknown project or file"},
}
PUT_EXPIRY = 3600
PART_EXPIRY = 36000
GET_EXPIRY = 36000
_ETAG = r"^[0-9a-f]{32}(-[0-9]+)?$"


class UploadItem(BaseModel):
    key: str = Field(max_length=1024)
    size: int = Field(gt=0, description="Bytes; empty files are refused")
    md5: str = Field(pattern=_ETAG, description="Hex MD5 (single part) or the composite ETag of 32 MiB parts")


class Part(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    etag: str = Field(max_length=100)


class CompleteBody(BaseModel):
    key: str = Field(max_length=1024)
    upload_id: str = Field(max_length=1024)
    parts: list[Part] = Field(min_length=1, max_length=MAX_PARTS)


class AbortBody(BaseModel):
    key: str = Field(max_length=1024)
    upload_id: str = Field(max_length=1024)


class RestoreBody(BaseModel):
    key: str = Field(max_length=1024)
    version: str | None = Field(None, max_length=1024, description="Default: the newest kept version")


def _bucket(request: Request, access: ProjectAccess) -> S3Bucket:
    return S3Bucket(access.project.bucket_name, request.app.state.s3)


@router.get("", responses=ERRORS)
def list_files(
    request: Request,
    prefix: str = Query("", max_length=1024, description="Only keys starting with this"),
    access: ProjectAccess = Depends(project_access("READ")),
) -> dict[str, Any]:
    """The current version of every file (results included; the CLI hides them unless asked)."""
    return {"files": [asdict(info) for info in _bucket(request, access).list(prefix)]}


@router.post("/upload-urls", responses=ERRORS)
def upload_urls(
    request: Request, items: list[UploadItem], access: ProjectAccess = Depends(project_access("EDIT"))
) -> dict[str, Any]:
    """Presigned PUT URLs: one per file up to 96 MiB (S3 checks its Content-MD5), else one per 32 MiB part."""
    check_batch(len(items))
    for item in items:
        check_upload(item.key)
        if -(-item.size // PART_SIZE) > MAX_PARTS:
            raise InvalidInput(f"'{item.key}' is too large: at most {MAX_PARTS} parts of {PART_SIZE} bytes.")
        if item.size <= MULTIPART_THRESHOLD and "-" in item.md5:
            raise InvalidInput(f"'{item.key}': a file up to {MULTIPART_THRESHOLD} bytes needs a plain MD5.")
    bucket = _bucket(request, access)
    return {"uploads": [_upload_link(request, bucket, item) for item in items]}


def _upload_link(request: Request, bucket: S3Bucket, item: UploadItem) -> dict[str, Any]:
    presign = request.app.state.s3_presign
    params: dict[str, Any] = {"Bucket": bucket.name, "Key": item.key}
    if item.size <= MULTIPART_THRESHOLD:
        md5 = base64.b64encode(bytes.fromhex(item.md5)).decode()
        url = presign.generate_presigned_url(
            "put_object", Params={**params, "ContentMD5": md5, "ContentLength": item.size}, ExpiresIn=PUT_EXPIRY
        )
        return {"key": item.key, "url": url, "headers": {"Content-MD5": md5}}
    with bucket.translated(item.key):
        upload_id = request.app.state.s3.create_multipart_upload(**params)["UploadId"]
    urls = [
        presign.generate_presigned_url(
            "upload_part", Params={**params, "UploadId": upload_id, "PartNumber": number}, ExpiresIn=PART_EXPIRY
        )
        for number in range(1, -(-item.size // PART_SIZE) + 1)
    ]
    return {"key": item.key, "upload_id": upload_id, "part_size": PART_SIZE, "part_urls": urls}


@router.post("/complete-multipart", responses=ERRORS)
def complete_multipart(
    request: Request, body: CompleteBody, access: ProjectAccess = Depends(project_access("EDIT"))
) -> dict[str, Any]:
    """Join the uploaded parts (given with the ETags S3 answered for each) into the object."""
    bucket = _bucket(request, access)
    key = check_upload(body.key)
    parts = [{"PartNumber": p.part_number, "ETag": p.etag} for p in sorted(body.parts, key=lambda p: p.part_number)]
    with bucket.translated(key):
        request.app.state.s3.complete_multipart_upload(
            Bucket=bucket.name, Key=key, UploadId=body.upload_id, MultipartUpload={"Parts": parts}
        )
    return asdict(bucket.head(key))


@router.post("/abort-multipart", responses=ERRORS)
def abort_multipart(
    request: Request, body: AbortBody, access: ProjectAccess = Depends(project_access("EDIT"))
) -> dict[str, Any]:
    """Drop an unfinished multipart upload and its parts."""
    bucket = _bucket(request, access)
    key = check_key(body.key)
    with bucket.translated(key):
        request.app.state.s3.abort_multipart_upload(Bucket=bucket.name, Key=key, UploadId=body.upload_id)
    return {"key": key, "aborted": True}


@router.delete("", responses=ERRORS)
def delete_files(
    request: Request,
    key: list[str] = Query(..., description="Keys to soft delete (repeat the parameter, at most 100)"),
    access: ProjectAccess = Depends(project_access("EDIT")),
) -> dict[str, Any]:
    """Soft delete: a delete marker hides each key; its versions stay and `restore` brings them back."""
    check_batch(len(key))
    keys = [check_key(k) for k in key]
    bucket = _bucket(request, access)
    deleted, missing = [], []
    for name in keys:
        try:
            bucket.delete(name)
            deleted.append(name)
        except NoBucket:
            raise
        except NotFound:
            missing.append(name)
    return {"deleted": deleted, "not_found": missing}


@router.post("/restore", responses=ERRORS)
def restore(request: Request, body: RestoreBody, access: ProjectAccess = Depends(project_access("EDIT"))) -> Any:
    """Copy the newest (or the given) kept version onto the key; a live key without a version stays as is."""
    bucket = _bucket(request, access)
    key = check_key(body.key)
    kept = versions_of(bucket, key)
    current = next((v for v in kept if v.current), None)
    if body.version is None and current is not None and not current.deleted:
        return {**asdict(bucket.head(key)), "status": "live"}
    source = next((v for v in kept if not v.deleted and body.version in (None, v.version)), None)
    if source is None:
        which = f"version {body.version!r}" if body.version else "a version that is not a delete marker"
        raise NotFound(f"'{key}' has no {which}: nothing to restore.", f"See 'divbase files versions {key}'.")
    if source.current:
        return {**asdict(bucket.head(key)), "status": "live"}
    copy = {"Bucket": bucket.name, "Key": key, "VersionId": source.version}
    with bucket.translated(key):
        request.app.state.s3.copy_object(Bucket=bucket.name, Key=key, CopySource=copy)
    return {**asdict(bucket.head(key)), "status": "restored", "from_version": source.version}


@router.get("/versions", responses=ERRORS)
def versions(
    request: Request,
    key: str = Query(..., max_length=1024),
    access: ProjectAccess = Depends(project_access("READ")),
) -> dict[str, Any]:
    """Every version of one key, newest first, delete markers included; `current` marks what the key shows."""
    kept = versions_of(_bucket(request, access), check_key(key))
    if not kept:
        raise NotFound(f"No file '{key}' in project '{access.project.name}'.", "List files with 'divbase files ls'.")
    return {"key": key, "versions": [asdict(v) for v in kept]}


@router.get("/version-url", responses=ERRORS)
def version_url(
    request: Request,
    key: str = Query(..., max_length=1024),
    version: str = Query(..., max_length=1024),
    access: ProjectAccess = Depends(project_access("READ")),
) -> dict[str, Any]:
    """A presigned GET URL for one kept version (the current one: `download-url`)."""
    bucket = _bucket(request, access)
    key = check_key(key)
    with bucket.translated(key):
        head = request.app.state.s3.head_object(Bucket=bucket.name, Key=key, VersionId=version)
    url = request.app.state.s3_presign.generate_presigned_url(
        "get_object", Params={"Bucket": bucket.name, "Key": key, "VersionId": version}, ExpiresIn=GET_EXPIRY
    )
    return {"key": key, "version": version, "url": url, "etag": head["ETag"].strip('"'), "size": head["ContentLength"]}


def versions_of(bucket: S3Bucket, key: str) -> list[VersionInfo]:
    """The versions and delete markers of exactly `key`, newest first (the current one first)."""
    found: list[VersionInfo] = []
    paginator = bucket.client.get_paginator("list_object_versions")
    with bucket.translated(key):
        for page in paginator.paginate(Bucket=bucket.name, Prefix=key):
            for entry in page.get("Versions", []):
                if entry["Key"] == key:
                    etag = entry["ETag"].strip('"')
                    found.append(_version(key, entry, int(entry["Size"]), etag, deleted=False))
            for entry in page.get("DeleteMarkers", []):
                if entry["Key"] == key:
                    found.append(_version(key, entry, 0, "", deleted=True))
    return sorted(found, key=lambda v: (v.current, v.modified), reverse=True)


def _version(key: str, entry: dict[str, Any], size: int, etag: str, *, deleted: bool) -> VersionInfo:
    version = str(entry.get("VersionId") or "null")
    return VersionInfo(key, version, size, entry["LastModified"], bool(entry.get("IsLatest")), deleted, etag)
