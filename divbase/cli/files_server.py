"""`divbase files` against a server project: the API hands out presigned URLs, bytes go straight to S3.

Uploads up to 96 MiB are one PUT whose Content-MD5 S3 checks; larger files are multipart uploads of 32 MiB
parts (each part's ETag checked against its MD5, the whole against the composite ETag), aborted on any
failure. Downloads are written to a temp file, verified against the object's ETag and only then moved in
place; a corrupt download is deleted. A progress bar goes to stderr when it is a terminal.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import httpx

from divbase.adapters.s3_etag import (
    MAX_PARTS,
    MULTIPART_THRESHOLD,
    PART_SIZE,
    ChecksumMismatch,
    EtagHasher,
    composite_etag,
    verify_download,
)
from divbase.cli.output import QUIET
from divbase.cli.remote import ServerProject
from divbase.core.errors import DivbaseError, InvalidInput, NotAuthorized, NotFound, TaskError, Unavailable
from divbase.core.filenames import batches

PARALLEL_PARTS = 3
_CHUNK = 1 << 20
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
Advance = Callable[[int], None]


class ServerStore(ServerProject):
    RESOURCE = "files"

    def ls(self, prefix: str) -> list[dict[str, Any]]:
        files: list[dict[str, Any]] = self.api.call("GET", self.base, params={"prefix": prefix})["files"]
        return files

    def upload(self, pairs: list[tuple[Path, str]]) -> list[dict[str, Any]]:
        done: list[dict[str, Any]] = []
        for batch in batches(pairs):
            items = [_item(src, key) for src, key in batch]
            links = self.api.call("POST", f"{self.base}/upload-urls", body=items, timeout=120.0)["uploads"]
            for index, ((src, _key), item, link) in enumerate(zip(batch, items, links, strict=True)):
                try:
                    done.append({**self._put(src, item, link), "source": str(src.resolve())})
                except BaseException:
                    for later in links[index:]:
                        self._abort(later)
                    raise
        return done

    def download(self, key: str, target: Path, version: str | None) -> dict[str, Any]:
        link = self._link(key, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.divbase-tmp")
        try:
            with tmp.open("wb") as out:
                _get(link["url"], key, link["size"], out.write)
            try:
                verify_download(tmp, link["etag"])
            except ChecksumMismatch as exc:
                raise ChecksumMismatch(f"Download of '{key}' is corrupt. {exc.message}", exc.hint) from None
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return {"key": key, "version": link.get("version"), "size": link["size"], "path": str(target)}

    def stream(self, key: str, version: str | None, out: IO[bytes]) -> None:
        link = self._link(key, version)
        try:
            with httpx.stream("GET", link["url"], timeout=_TIMEOUT) as response:
                _raise_for(response, f"download '{key}'")
                copy_verified(key, response.iter_bytes(_CHUNK), out, link["etag"], int(link["size"]))
        except httpx.HTTPError as exc:
            raise Unavailable(f"Downloading '{key}' failed: {exc}.", "Try again.") from None

    def remove(self, keys: list[str]) -> tuple[list[str], list[str]]:
        deleted: list[str] = []
        missing: list[str] = []
        for batch in batches(keys):
            answer = self.api.call("DELETE", self.base, params={"key": batch})
            deleted += answer["deleted"]
            missing += answer["not_found"]
        return deleted, missing

    def restore(self, key: str, version: str | None) -> dict[str, Any]:
        answer: dict[str, Any] = self.api.call("POST", f"{self.base}/restore", body={"key": key, "version": version})
        return answer

    def versions(self, key: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.api.call("GET", f"{self.base}/versions", params={"key": key})["versions"]
        return rows

    # -- transfers -----------------------------------------------------------------------------

    def _link(self, key: str, version: str | None) -> dict[str, Any]:
        if version is None:
            link: dict[str, Any] = self.api.call("GET", f"{self.base}/download-url", params={"key": key})
        else:
            link = self.api.call("GET", f"{self.base}/version-url", params={"key": key, "version": version})
        return link

    def _put(self, src: Path, item: dict[str, Any], link: dict[str, Any]) -> dict[str, Any]:
        key, size, etag = item["key"], item["size"], item["md5"]
        if "url" in link:
            headers = {**link["headers"], "Content-Length": str(size)}
            with src.open("rb") as handle, progress(size, key) as advance:
                response = _put(link["url"], key, content=_chunks(handle, advance), headers=headers)
            _raise_for(response, f"upload '{key}'")
            _same(key, etag, response.headers.get("ETag", etag).strip('"'), "Stored")
            return {"key": key, "size": size, "etag": etag, "version": response.headers.get("x-amz-version-id")}
        with progress(size, key) as advance, ThreadPoolExecutor(PARALLEL_PARTS) as pool:
            jobs = [
                pool.submit(_put_part, url, src, number, int(link["part_size"]), advance)
                for number, url in enumerate(link["part_urls"], start=1)
            ]
            parts = [job.result() for job in jobs]
        body = {"key": key, "upload_id": link["upload_id"], "parts": parts}
        stored: dict[str, Any] = self.api.call("POST", f"{self.base}/complete-multipart", body=body, timeout=600.0)
        _same(key, etag, stored["etag"], "Stored")
        return {"key": key, "size": size, "etag": etag, "version": stored["version"]}

    def _abort(self, link: dict[str, Any]) -> None:
        if "upload_id" in link:
            body = {"key": link["key"], "upload_id": link["upload_id"]}
            with contextlib.suppress(DivbaseError):
                self.api.call("POST", f"{self.base}/abort-multipart", body=body)


def _item(src: Path, key: str) -> dict[str, Any]:
    """What the server needs to sign an upload: key, size and the ETag S3 will report."""
    size = src.stat().st_size
    if -(-size // PART_SIZE) > MAX_PARTS:
        raise InvalidInput(f"'{src}' is too large: at most {MAX_PARTS} parts of {PART_SIZE} bytes.")
    with src.open("rb") as handle:
        if size <= MULTIPART_THRESHOLD:
            etag = hashlib.file_digest(handle, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()
        else:
            etag = composite_etag(handle, PART_SIZE)
    return {"key": key, "size": size, "md5": etag}


def _put_part(url: str, src: Path, number: int, part_size: int, advance: Advance) -> dict[str, Any]:
    """PUT one part; S3's answer (the part's MD5) must match what was sent."""
    with src.open("rb") as handle:
        handle.seek((number - 1) * part_size)
        data = handle.read(part_size)
    response = _put(url, f"part {number}", content=data)
    _raise_for(response, f"upload part {number}")
    etag = response.headers.get("ETag", "").strip('"')
    _same(f"part {number}", hashlib.md5(data, usedforsecurity=False).hexdigest(), etag, "Stored")
    advance(len(data))
    return {"part_number": number, "etag": etag}


def _put(url: str, what: str, **kwargs: Any) -> httpx.Response:
    try:
        return httpx.put(url, timeout=_TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        raise Unavailable(f"Uploading '{what}' failed: {exc}.", "Try again.") from None


def _get(url: str, key: str, size: int, write: Callable[[bytes], Any]) -> None:
    try:
        with httpx.stream("GET", url, timeout=_TIMEOUT) as response, progress(size, key) as advance:
            _raise_for(response, f"download '{key}'")
            for chunk in response.iter_bytes(_CHUNK):
                write(chunk)
                advance(len(chunk))
    except httpx.HTTPError as exc:
        raise Unavailable(f"Downloading '{key}' failed: {exc}.", "Try again.") from None


def copy_verified(key: str, chunks: Iterable[bytes], out: IO[bytes], etag: str, size: int) -> None:
    """Copy `chunks` to `out`, then check them against `etag` (the bytes are already written: say so)."""
    hasher = EtagHasher(etag, size)
    for chunk in chunks:
        hasher.update(chunk)
        out.write(chunk)
    out.flush()
    calculated = hasher.calculated()
    if calculated not in (None, etag):
        raise ChecksumMismatch(
            f"The streamed content of '{key}' is corrupt. Expected: {etag}, Calculated: {calculated}.",
            "Discard what was written and try again.",
        )


def _same(what: str, expected: str, got: str, label: str) -> None:
    if got != expected:
        raise ChecksumMismatch(
            f"Checksum verification of '{what}' failed. Expected: {expected}, {label}: {got}.",
            "Try again; if this repeats, the network or the S3 server is damaging data.",
        )


def _raise_for(response: httpx.Response, action: str) -> None:
    """Map an S3 error answer to a divbase error (its XML `<Message>` in the text)."""
    status = response.status_code
    if status < 400:
        return
    response.read()
    detail = response.text[:300].replace("\n", " ")
    message = f"The S3 server refused to {action} (HTTP {status}): {detail}"
    if status == 403:
        raise NotAuthorized(message, "The link may have expired; run the command again.")
    if status == 404:
        raise NotFound(message)
    if status >= 500:
        raise Unavailable(message, "Try again later.")
    raise TaskError(message)


def _chunks(handle: IO[bytes], advance: Advance) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        advance(len(chunk))
        yield chunk


@contextlib.contextmanager
def progress(total: int, label: str) -> Iterator[Advance]:
    """A rich progress bar on stderr when it is a terminal (and not --quiet); else a no-op."""
    if QUIET["on"] or not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
