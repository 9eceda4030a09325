"""Names of files users upload, and the small rules around them (pure: no I/O).

Every key first passes `core.keys.check_key` (nothing that leaves the bucket, hides or looks like another
key). An upload name must also avoid the characters upstream DivBase refuses, end in one of the supported
file types, and not take a name divbase reserves for its own result files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TypeVar

from divbase.core.errors import InvalidInput
from divbase.core.keys import check_key

ALLOWED_TYPES = (".tsv", ".vcf.gz", ".csi", ".tbi", ".txt", ".md")
FORBIDDEN = (":", "*", "?", "<", ">", "|", "\\", "//", "@", "~")
RESULTS_PREFIX = "result_of_job_"
MAX_BATCH = 100
"""At most this many keys per API request (upstream MAX_S3_API_BATCH_SIZE)."""

_T = TypeVar("_T")


def check_upload(key: str) -> str:
    """Return `key` if a user may upload a file under it; else InvalidInput/UnsafeKey naming the rule."""
    check_key(key)
    for bad in FORBIDDEN:
        if bad in key:
            raise InvalidInput(
                f"Invalid file name {key!r}: it contains {bad!r}, which divbase does not allow in file names.",
                f"Rename the file without any of: {' '.join(FORBIDDEN)}",
            )
    base = key.rsplit("/", 1)[-1]
    if base.startswith(RESULTS_PREFIX):
        raise InvalidInput(
            f"Invalid file name {key!r}: names starting with '{RESULTS_PREFIX}' are reserved for query results.",
            "Rename the file.",
        )
    lower = base.lower()
    if lower.endswith(".vcf"):
        raise InvalidInput(
            f"Unsupported file {key!r}: plain '.vcf' files are not accepted.",
            f"Compress it with 'bgzip {base}' and upload '{base}.gz'.",
        )
    if not lower.endswith(ALLOWED_TYPES):
        raise InvalidInput(
            f"Unsupported file type {key!r}: divbase accepts only {', '.join(ALLOWED_TYPES)} files.",
            "Convert the file to one of these types, or keep it elsewhere.",
        )
    return key


def check_size(key: str, size: int) -> int:
    """Empty files are refused (as upstream); return `size`."""
    if size <= 0:
        raise InvalidInput(f"Refusing to upload {key!r}: the file is empty.", "Upload a file with content.")
    return size


def prefix(to: str | None) -> str:
    """The folder prefix of `upload --to`: '' or 'a/b/' (leading '/' dropped, trailing '/' added)."""
    if not to or not to.strip("/"):
        return ""
    folder = to.lstrip("/").rstrip("/")
    for bad in FORBIDDEN:
        if bad in folder:
            raise InvalidInput(
                f"Invalid folder {to!r}: it contains {bad!r}, which divbase does not allow in file names.",
                f"Use a folder name without any of: {' '.join(FORBIDDEN)}",
            )
    check_key(folder)
    return f"{folder}/"


def upload_keys(names: Sequence[str], folder: str) -> list[str]:
    """Checked destination keys `folder + name`; duplicates are refused (nothing is uploaded)."""
    keys = [check_upload(f"{folder}{name}") for name in names]
    doubles = sorted(key for key, count in Counter(keys).items() if count > 1)
    if doubles:
        raise InvalidInput(
            f"Several files would be stored under the same name: {', '.join(doubles)}.",
            "Upload them in separate commands with different --to folders.",
        )
    return keys


def is_result(key: str) -> bool:
    """True for divbase's own query results and their logs, indexes and sidecars."""
    return key.rsplit("/", 1)[-1].startswith(RESULTS_PREFIX)


def is_vcf(key: str) -> bool:
    return key.lower().endswith(".vcf.gz")


def batches(items: Sequence[_T], size: int = MAX_BATCH) -> Iterator[list[_T]]:
    """`items` in consecutive lists of at most `size`."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def check_batch(count: int) -> None:
    if count > MAX_BATCH:
        raise InvalidInput(f"Too many files in one request: {count} (at most {MAX_BATCH}).", "Send them in batches.")


def human_size(size: int | None) -> str:
    """Powers of 1000 with two decimals, as upstream: 0 -> '0 B', 1500 -> '1.50 KB'."""
    if size is None:
        return "N/A"
    if size == 0:
        return "0 B"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} TB"
