"""Project versions (named checkpoints): the pure rules shared by local mode and the service.

A project version records, under a name, the version id, ETag and size of the latest live version of
every file of a project: folder markers (keys ending '/') and divbase's own query results are left out.
Only its name and description can change later; deleting one is a soft delete that can be undone.
"""

from __future__ import annotations

import shlex
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from divbase.core.errors import InvalidInput, NotFound
from divbase.core.filenames import is_result
from divbase.core.ports import ObjectInfo

MAX_NAME = 100
MAX_DESCRIPTION = 500
EMPTY_PROJECT = "Cannot create a version of an empty project: upload files first."
_NAME_HINT = "Use 1-100 characters such as 'v1.0' or 'submitted 2024-05'; no '/', '\\' or control characters."
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def check_name(name: str) -> str:
    """Return `name` if it may name a project version, else InvalidInput saying why."""
    problem = _name_problem(name)
    if problem is not None:
        raise InvalidInput(f"Invalid version name {name!r}: {problem}.", _NAME_HINT)
    return name


def _name_problem(name: str) -> str | None:
    if not name:
        return "the name is empty"
    if len(name) > MAX_NAME:
        return f"it is longer than {MAX_NAME} characters"
    if name != name.strip():
        return "it starts or ends with whitespace"
    if name in (".", ".."):
        return "'.' and '..' are not names"
    for char in name:
        if char in "/\\":
            return f"it contains {char!r}"
        if unicodedata.category(char) in _INVISIBLE:
            return f"it contains the control or invisible character U+{ord(char):04X}"
    return None


def check_description(text: str) -> str:
    """Return `text` if it may describe a project version (at most 500 characters, no control characters
    other than newline and tab), else InvalidInput."""
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description is {len(text)} characters long; at most {MAX_DESCRIPTION} are allowed.",
            "Shorten it.",
        )
    for char in text:
        if char not in "\n\t" and unicodedata.category(char) in _INVISIBLE:
            raise InvalidInput(f"The description contains the control or invisible character U+{ord(char):04X}.")
    return text


def snapshot(objects: Iterable[ObjectInfo]) -> dict[str, dict[str, Any]]:
    """`{key: {version_id, etag, size}}` of the files a version records (results and folder markers left out);
    InvalidInput when nothing is left."""
    files = {
        info.key: {"version_id": info.version, "etag": info.etag, "size": info.size}
        for info in sorted(objects, key=lambda o: o.key)
        if not info.key.endswith("/") and not is_result(info.key)
    }
    if not files:
        raise InvalidInput(EMPTY_PROJECT, "Add files (e.g. with 'divbase files upload'), then add the version.")
    return files


def pick(files: Mapping[str, Mapping[str, Any]], keys: Sequence[str], name: str) -> dict[str, str]:
    """`{key: version id}` of `keys` as recorded in version `name` (every file of it when `keys` is empty);
    NotFound listing the keys the version does not hold."""
    wanted = list(keys) or sorted(files)
    missing = [key for key in wanted if key not in files]
    if missing:
        raise NotFound(
            f"Version '{name}' does not hold: {', '.join(missing)}.",
            f"Maybe they were added after it; list its files with 'divbase version info {shlex.quote(name)}'.",
        )
    return {key: str(files[key]["version_id"]) for key in wanted}
