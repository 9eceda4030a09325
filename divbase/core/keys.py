"""Object keys: the names of files in a project bucket. Pure checks, no file system access.

A key is a relative, '/'-separated path such as `a/b/c.vcf.gz`. It must mean the same thing in a
local directory and in S3, so anything that could leave the bucket, hide in a listing or look like
another key is refused with `UnsafeKey` (exit 2) before any I/O happens.
"""

from __future__ import annotations

import unicodedata

from divbase.core.errors import UnsafeKey

STATE_DIR = ".divbase"
"""Reserved top folder of a local bucket: divbase's own state (caches, temp files)."""

MAX_KEY_BYTES = 1024  # S3's limit on a key, in UTF-8 bytes
MAX_SEGMENT_BYTES = 255  # the usual file system limit on one file or folder name

_HINT = "Use a relative path made of plain folder and file names, such as 'folder/file.vcf.gz'."
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Look-alikes of '/', '\\' and '.' that NFKC leaves alone (NFKC already maps U+FF0F, U+2024, U+FF0E...).
_LOOK_ALIKES = frozenset(
    "\u2215\u2044\u29f8\u2571\u2afd\u0338\u1735"  # slashes
    "\u2216\u29f5\u2572"  # backslashes
    "\u3002\u0701\u0702\u2e31"  # full stops
)


def check_key(key: str) -> str:
    """Return `key` if it is a safe object key, else raise `UnsafeKey` saying what is wrong."""
    problem = _problem(key)
    if problem is not None:
        raise UnsafeKey(f"Invalid file name {key!r}: {problem}.", _HINT)
    return key


def is_safe(key: str) -> bool:
    """True when `check_key(key)` would accept the key."""
    return _problem(key) is None


def _problem(key: str) -> str | None:
    if not isinstance(key, str) or not key:
        return "the name is empty"
    return _character_problem(key) or _shape_problem(key) or _segment_problem(key)


def _character_problem(key: str) -> str | None:
    if "\x00" in key:
        return "it contains a NUL byte"
    if "\\" in key:
        return "it contains a backslash; use '/' to separate folders"
    for char in key:
        if unicodedata.category(char) in _BAD_CATEGORIES:
            return f"it contains the control or invisible character U+{ord(char):04X}"
    for char in key:
        if char in _LOOK_ALIKES:
            name = unicodedata.name(char, "?")
            return f"it contains U+{ord(char):04X} ({name}), which looks like '/', '\\' or '.'"
    if key != key.strip():
        return "it starts or ends with whitespace"
    normal = unicodedata.normalize("NFKC", key)
    if normal != key:
        return (
            "it contains Unicode look-alike or compatibility characters; "
            f"its plain (NFKC) form is {normal!r}, use that instead"
        )
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"it is longer than {MAX_KEY_BYTES} bytes"
    return None


def _shape_problem(key: str) -> str | None:
    if key.startswith("/"):
        return "it is an absolute path; use a path relative to the bucket"
    if key.endswith("/"):
        return "it ends with '/', which names a folder, not a file"
    if "//" in key:
        return "it contains an empty folder name ('//')"
    return None


def _segment_problem(key: str) -> str | None:
    segments = key.split("/")
    if segments[0].lower() == STATE_DIR:
        return f"the top folder '{STATE_DIR}/' is reserved for divbase's own state"
    for segment in segments:
        if segment in (".", ".."):
            return f"it contains a '{segment}' path segment, which could leave the bucket"
        if segment != segment.strip():
            return f"the part {segment!r} starts or ends with whitespace"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"the part {segment[:40]!r}... is longer than {MAX_SEGMENT_BYTES} bytes"
    return None
