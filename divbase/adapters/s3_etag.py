"""S3 ETags as upstream DivBase computes them: how uploads are checked and downloads verified.

Single-part ETag = hex MD5 of the content. Multipart ETag = md5(concat(md5(part_i)))-N; divbase
uploads in 32 MiB parts above 96 MiB (s3transfer doubles the part size when a file would need more
than 10,000 parts), so the ETag of what `S3Bucket.put_file` stores is known before uploading. Pure
hashing over file-like objects; no network.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import IO

from divbase.core.errors import TaskError

log = logging.getLogger(__name__)

MIB = 1 << 20
MULTIPART_THRESHOLD = 96 * MIB
PART_SIZE = 32 * MIB
MAX_PARTS = 10_000
_CHUNK = 1 << 20
_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")


class ChecksumMismatch(TaskError):
    """Downloaded or uploaded content does not match the object's ETag (exit 1)."""


def part_size_for(size: int) -> int:
    """The part size of a multipart upload of `size` bytes (what s3transfer will use)."""
    try:
        from s3transfer.utils import ChunksizeAdjuster  # type: ignore[import-untyped]  # only for multipart ETags
    except ModuleNotFoundError:  # the CLI without the server extra: s3transfer's rule (double up to 10,000 parts)
        part = PART_SIZE
        while -(-size // part) > MAX_PARTS:
            part *= 2
        return part
    return int(ChunksizeAdjuster().adjust_chunksize(PART_SIZE, size))


def verify_download(path: Path, expected: str) -> None:
    """Raise ChecksumMismatch, deleting `path`, unless its content matches the ETag `expected`."""
    with open(path, "rb") as stream:
        calculated = calculated_etag(expected, path.stat().st_size, stream)
    if calculated is None:
        log.info("Cannot verify %s: ETag %s is neither an MD5 nor a known multipart form.", path, expected)
        return
    if calculated != expected:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"Checksum verification failed. Expected: {expected}, Calculated: {calculated}. "
            "The file has been deleted to avoid accidental use of a corrupted file."
        )


def expected_etag(stream: IO[bytes], size: int) -> str:
    """The ETag S3 will report for content uploaded by this module (plain MD5 or multipart)."""
    if size < MULTIPART_THRESHOLD:
        return _md5(stream)
    return composite_etag(stream, part_size_for(size))


def calculated_etag(expected: str, size: int, stream: IO[bytes]) -> str | None:
    """The ETag of `stream` computed the way `expected` was; None when that way is unknown."""
    if _PLAIN_MD5.fullmatch(expected):
        return _md5(stream)
    body, _, count = expected.rpartition("-")
    if not (_PLAIN_MD5.fullmatch(body) and count.isdigit()):
        return None
    part_size = _part_size(size, int(count))
    return None if part_size is None else composite_etag(stream, part_size)


def composite_etag(stream: IO[bytes], part_size: int) -> str:
    """md5(concat(md5(part_i)))-N over parts of `part_size` bytes."""
    digests: list[bytes] = []
    while True:
        part = hashlib.md5(usedforsecurity=False)
        remaining = part_size
        while remaining and (chunk := stream.read(min(_CHUNK, remaining))):
            part.update(chunk)
            remaining -= len(chunk)
        if remaining == part_size:
            break
        digests.append(part.digest())
    joined = hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()
    return f"{joined}-{len(digests)}"


def _part_size(size: int, parts: int) -> int | None:
    """The part size a multipart upload of `size` bytes in `parts` parts most likely used."""
    ours = part_size_for(size)
    for candidate in (ours, 8 * MIB, 16 * MIB, 64 * MIB, 5 * MIB, 128 * MIB):
        if -(-size // candidate) == parts:
            return candidate
    return None


def _md5(stream: IO[bytes]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class EtagHasher:
    """The ETag of content that arrives in pieces (a stream to stdout), computed the way `expected` was."""

    def __init__(self, expected: str, size: int) -> None:
        self.expected = expected
        body, _, count = expected.rpartition("-")
        self.plain = bool(_PLAIN_MD5.fullmatch(expected))
        multipart = bool(_PLAIN_MD5.fullmatch(body) and count.isdigit())
        self.part_size = _part_size(size, int(count)) if multipart and not self.plain else None
        self._part = hashlib.md5(usedforsecurity=False)
        self._filled = 0
        self._digests: list[bytes] = []

    def update(self, data: bytes) -> None:
        if self.part_size is None:
            self._part.update(data)
            return
        view = memoryview(data)
        while view:
            take = min(len(view), self.part_size - self._filled)
            self._part.update(view[:take])
            self._filled += take
            view = view[take:]
            if self._filled == self.part_size:
                self._close_part()

    def calculated(self) -> str | None:
        """The ETag of everything seen so far; None when `expected` has an unknown form."""
        if self.plain:
            return self._part.hexdigest()
        if self.part_size is None:
            return None
        if self._filled:
            self._close_part()
        joined = hashlib.md5(b"".join(self._digests), usedforsecurity=False).hexdigest()
        return f"{joined}-{len(self._digests)}"

    def _close_part(self) -> None:
        self._digests.append(self._part.digest())
        self._part = hashlib.md5(usedforsecurity=False)
        self._filled = 0
