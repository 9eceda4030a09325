"""A project bucket that is one versioned S3 bucket (the `Bucket` port of core/ports.py), via boto3.

Behaves like `LocalBucket`: keys pass `core.keys.check_key` before any request, listings skip folder
markers (keys ending '/') and the reserved `.divbase/` prefix, missing objects raise the same
`NotFound` message. Version = the S3 VersionId (the ETag when the bucket is not versioned); an
identical rewrite uploads nothing and keeps its version. Delete is a soft delete: a delete marker,
older versions stay. Checksums follow upstream: single-part ETag = hex MD5, multipart ETag =
md5(concat(md5(part_i)))-N with 32 MiB parts above 96 MiB; downloads are verified against the ETag
and retried, a corrupt file is deleted (see s3_etag.py). Transport errors become divbase errors
(exit codes 3/4/5).
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from divbase.adapters.s3_etag import (
    MULTIPART_THRESHOLD,
    PART_SIZE,
    ChecksumMismatch,
    calculated_etag,
    expected_etag,
    verify_download,
)
from divbase.core.errors import DivbaseError, NotAuthorized, NotFound, TaskError, Unavailable, UnsafeKey
from divbase.core.keys import STATE_DIR, check_key, is_safe
from divbase.core.ports import ObjectInfo

log = logging.getLogger(__name__)

MAX_CONCURRENCY = 10
FETCH_ATTEMPTS = 3
PAGE_SIZE = 1000
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


class NoBucket(NotFound):
    """The project's bucket does not exist on the S3 server (exit 4)."""


def client_from(
    endpoint_url: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    *,
    max_attempts: int = 5,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
) -> Any:
    """A boto3 S3 client for an S3-compatible server: path-style, SigV4, adaptive retries.

    Checksums are computed and validated only when an operation requires them (boto3 >= 1.36 sends
    CRC32 trailers by default, which not every S3-compatible server handles); divbase checks MD5
    ETags itself.
    """
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=MAX_CONCURRENCY + 2,
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=config,
    )


def transfer_config() -> Any:
    """Multipart above 96 MiB in 32 MiB parts: what `expected_etag` assumes."""
    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=PART_SIZE, max_concurrency=MAX_CONCURRENCY
    )


def create_bucket(client: Any, name: str) -> S3Bucket:
    """Create bucket `name` unless it exists, enable versioning, and return it as an S3Bucket."""
    bucket = S3Bucket(name, client)
    if not bucket.exists():
        with bucket.translated():
            try:
                client.create_bucket(Bucket=name)
            except ClientError as exc:
                if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise
    with bucket.translated():
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return bucket


class S3Bucket:
    """One project's versioned bucket. Thread-safe as far as the boto3 client is (it is)."""

    def __init__(self, name: str, client: Any, page_size: int = PAGE_SIZE) -> None:
        self.name = name
        self.client = client
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"S3Bucket({self.name!r}, endpoint={self.endpoint!r})"

    @property
    def endpoint(self) -> str:
        return str(self.client.meta.endpoint_url)

    # -- reading -------------------------------------------------------------------------------

    def list(self, prefix: str = "") -> builtins.list[ObjectInfo]:
        """The current version of every object under `prefix`, sorted by key."""
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if folder:
            check_key(folder)
        found: builtins.list[ObjectInfo] = []
        paginator = self.client.get_paginator("list_object_versions")
        pages = paginator.paginate(Bucket=self.name, Prefix=prefix, PaginationConfig={"PageSize": self.page_size})
        with self.translated():
            for page in pages:
                for entry in page.get("Versions", []):
                    if entry.get("IsLatest") and _listable(entry["Key"]):
                        etag = _unquote(entry["ETag"])
                        version = _version(entry.get("VersionId"), etag)
                        found.append(ObjectInfo(entry["Key"], version, int(entry["Size"]), etag))
        return sorted(found, key=lambda info: info.key)

    def head(self, key: str) -> ObjectInfo:
        """Metadata of the current version; NotFound when missing or soft-deleted."""
        return _info(key, self._head(key))

    def read_bytes(self, key: str) -> bytes:
        """The current content, checked against its ETag (retried on a mismatch)."""
        check_key(key)
        failure = ""
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            with self.translated(key):
                response = self.client.get_object(Bucket=self.name, Key=key)
                data: bytes = response["Body"].read()
            expected = _unquote(response["ETag"])
            calculated = calculated_etag(expected, len(data), io.BytesIO(data))
            if calculated in (None, expected):
                return data
            failure = f"Expected: {expected}, Calculated: {calculated}"
            log.warning("Reading %s (attempt %d): checksum mismatch, %s", key, attempt, failure)
        raise self._gave_up(key, failure)

    def fetch(self, key: str, workdir: Path) -> Path:
        """Download the current version to `workdir/<key with '/' as '@@'>`, verified by ETag."""
        response = self._head(key)
        info = _info(key, response)
        target = local_path(key, workdir)
        failure = ""
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            self._download(key, response.get("VersionId"), target)
            try:
                verify_download(target, info.etag)
                return target
            except ChecksumMismatch as exc:
                failure = exc.message
                log.warning("Downloading %s (attempt %d): %s", key, attempt, failure)
        raise self._gave_up(key, failure)

    def exists(self) -> bool:
        """True when the bucket exists (raises NotAuthorized / Unavailable rather than guess)."""
        try:
            with self.translated():
                self.client.head_bucket(Bucket=self.name)
        except NotFound:
            return False
        return True

    # -- writing -------------------------------------------------------------------------------

    def put_file(self, src: Path, key: str) -> ObjectInfo:
        check_key(key)
        size = Path(src).stat().st_size
        with open(src, "rb") as stream:
            etag = expected_etag(stream, size)
        return self._put(key, size, etag, lambda: self._upload_file(Path(src), key, etag))

    def put_bytes(self, data: bytes, key: str) -> ObjectInfo:
        check_key(key)
        etag = expected_etag(io.BytesIO(data), len(data))
        return self._put(key, len(data), etag, lambda: self._upload_stream(io.BytesIO(data), key, etag))

    def delete(self, key: str) -> None:
        """Soft delete: a delete marker becomes the current version; older versions stay."""
        self._head(key)
        with self.translated(key):
            self.client.delete_object(Bucket=self.name, Key=key)

    def _put(self, key: str, size: int, etag: str, upload: Callable[[], dict[str, Any] | None]) -> ObjectInfo:
        """Upload unless the current object already has this content; check the stored ETag."""
        current = self._current(key)
        if current is not None and (current.etag, current.size) == (etag, size):
            return current
        response = upload()
        if response is not None and "ETag" in response:
            stored = _unquote(response["ETag"])
            info = ObjectInfo(key, _version(response.get("VersionId"), stored), size, stored)
        else:
            info = self.head(key)
        if info.etag != etag:
            raise ChecksumMismatch(
                f"Checksum verification failed after uploading '{key}' to bucket {self.name}. "
                f"Expected: {etag}, Stored: {info.etag}.",
                "Upload the file again; if this repeats, the S3 server may be corrupting data.",
            )
        return info

    def _upload_file(self, src: Path, key: str, etag: str) -> dict[str, Any] | None:
        """Multipart (parts read from the file as needed) above the threshold, else one PUT."""
        if "-" in etag:
            with self.translated(key):
                self.client.upload_file(str(src), self.name, key, Config=transfer_config())
            return None
        with open(src, "rb") as stream:
            return self._upload_stream(stream, key, etag)

    def _upload_stream(self, stream: IO[bytes], key: str, etag: str) -> dict[str, Any] | None:
        """One PUT with Content-MD5 (the server rejects a damaged body), or multipart."""
        with self.translated(key):
            if "-" in etag:
                self.client.upload_fileobj(stream, self.name, key, Config=transfer_config())
                return None
            md5 = base64.b64encode(bytes.fromhex(etag)).decode()
            response: dict[str, Any] = self.client.put_object(Bucket=self.name, Key=key, Body=stream, ContentMD5=md5)
            return response

    # -- helpers -------------------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, Any]:
        check_key(key)
        with self.translated(key):
            response: dict[str, Any] = self.client.head_object(Bucket=self.name, Key=key)
            return response

    def _current(self, key: str) -> ObjectInfo | None:
        try:
            return self.head(key)
        except NoBucket:
            raise
        except NotFound:
            return None

    def _download(self, key: str, version_id: str | None, target: Path) -> None:
        extra = {"VersionId": version_id} if version_id and version_id != "null" else None
        with self.translated(key):
            self.client.download_file(self.name, key, str(target), ExtraArgs=extra, Config=transfer_config())

    def _gave_up(self, key: str, failure: str) -> ChecksumMismatch:
        return ChecksumMismatch(
            f"Checksum verification of '{key}' in bucket {self.name} failed {FETCH_ATTEMPTS} times "
            f"({failure}). The damaged copy was discarded.",
            "Try again later; if this repeats, the stored object may be damaged: ask an administrator.",
        )

    # -- errors --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def translated(self, key: str | None = None) -> Iterator[None]:
        """Turn boto3/botocore exceptions raised inside into divbase errors with clear messages."""
        try:
            yield
        except ClientError as exc:
            raise self._client_error(exc, key) from exc
        except S3UploadFailedError as exc:  # upload_file wraps the ClientError it caught
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError):
                raise self._client_error(cause, key) from exc
            raise _unreachable(self.endpoint, exc) from exc
        except RetriesExceededError as exc:
            raise _unreachable(self.endpoint, exc.last_exception) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            raise _unreachable(self.endpoint, exc) from exc
        except NoCredentialsError as exc:
            raise NotAuthorized(
                f"No S3 credentials for the server at {self.endpoint}.",
                "Set DIVBASE_S3_ACCESS_KEY and DIVBASE_S3_SECRET_KEY.",
            ) from exc

    def _client_error(self, exc: Any, key: str | None) -> DivbaseError:
        code = _code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        detail = f"{code}: {exc.response.get('Error', {}).get('Message', '')}".rstrip(": ")
        if code == "NoSuchBucket":
            return self._no_bucket()
        if code in _DENIED or status == 403:
            return NotAuthorized(
                f"The S3 server at {self.endpoint} refused access to bucket '{self.name}' ({detail}).",
                "Check DIVBASE_S3_ACCESS_KEY and DIVBASE_S3_SECRET_KEY, and that this account may use the bucket.",
            )
        if code in _MISSING or status == 404:
            if key is None or not self._bucket_found():
                return self._no_bucket()
            return NotFound(f"No file '{key}' in bucket {self.name}. List files with 'divbase files ls'.")
        if code in _BUSY or status >= 500:
            return Unavailable(f"The S3 server at {self.endpoint} failed ({detail}).", "Try again in a few minutes.")
        what = f"'{key}' in bucket {self.name}" if key else f"bucket {self.name}"
        return TaskError(f"The S3 server at {self.endpoint} refused the request for {what} ({detail}).")

    def _bucket_found(self) -> bool:
        """Tell a missing key from a missing bucket after a bare 404 (HEAD has no error body)."""
        try:
            self.client.head_bucket(Bucket=self.name)
        except ClientError as exc:
            return bool(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404)
        except Exception:  # the original 404 is the better error to report
            return True
        return True

    def _no_bucket(self) -> NoBucket:
        return NoBucket(
            f"No bucket '{self.name}' on the S3 server at {self.endpoint}.",
            "Check the project name; a new project's bucket is created by an administrator.",
        )


# -- module helpers ----------------------------------------------------------------------------


def local_path(key: str, workdir: Path) -> Path:
    """Where `fetch` puts `key`: one file name, '/' replaced by '@@' (as upstream), inside workdir."""
    check_key(key)
    name = key.replace("/", "@@")
    if len(name.encode()) > 255:  # keep the name legal and unique; the end keeps the extension
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        name = f"{digest}@@{key.encode()[-200:].decode(errors='ignore')}".replace("/", "@@")
    root = Path(workdir).resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise UnsafeKey(f"Refusing to download {key!r}: it would land outside {root}.")
    return path


def _info(key: str, response: dict[str, Any]) -> ObjectInfo:
    etag = _unquote(response["ETag"])
    return ObjectInfo(key, _version(response.get("VersionId"), etag), int(response["ContentLength"]), etag)


def _version(version_id: str | None, etag: str) -> str:
    """The VersionId; the ETag when the bucket is not versioned (VersionId missing or 'null')."""
    return version_id if version_id and version_id != "null" else etag


def _unquote(etag: str) -> str:
    return etag.strip('"')


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _listable(key: str) -> bool:
    """Folder markers and divbase's own `.divbase/` objects are not files; odd names are logged."""
    if key.endswith("/") or key.split("/", 1)[0].lower() == STATE_DIR:
        return False
    if not is_safe(key):
        log.warning("Not listing %r: its name is not a valid divbase file name.", key)
        return False
    return True


def _unreachable(endpoint: str, exc: BaseException) -> Unavailable:
    return Unavailable(
        f"S3 server at {endpoint} is not reachable: {exc}; check DIVBASE_S3_ENDPOINT and that the server runs."
    )
