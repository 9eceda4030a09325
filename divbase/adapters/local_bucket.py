"""A project bucket that is a plain local directory (the `Bucket` port of core/ports.py).

Keys are checked by `core.keys.check_key` and every path is resolved and must stay inside the root,
so neither a crafted key nor a symlink can reach files outside it. Version = ETag = hex MD5 of the
content (what S3 reports for a single-part upload), so a version changes exactly when the content
does. MD5s are cached in `<root>/.divbase/etags.json` under (size, mtime_ns, inode): listing an
unchanged bucket hashes nothing (`hashed` counts files actually read to hash them).

Old content is kept like in a versioned S3 bucket: before a key is overwritten or deleted, its content
goes to `<root>/.divbase/versions/<key>/<md5>` (a hard link, no copy), and a delete leaves the marker
`.../<key>/.deleted`, so `versions`, `restore` and `version_path` can bring any kept version back.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from divbase.core.errors import NotFound, UnsafeKey
from divbase.core.keys import STATE_DIR, check_key, is_safe
from divbase.core.ports import ObjectInfo, VersionInfo

log = logging.getLogger(__name__)

CACHE_NAME = "etags.json"
_CHUNK = 1 << 20
VERSIONS_DIR = "versions"
DELETED = ".deleted"
_MD5 = re.compile(r"[0-9a-f]{32}")

_Stamp = tuple[int, int, int]  # size, mtime_ns, inode


class LocalBucket:
    """A directory used as a bucket. Safe to share between threads; processes may race on the
    ETag cache only to the cost of re-hashing (entries are checked against the file's stat)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.hashed = 0
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[_Stamp, str]] | None = None
        self._dirty = False

    def __repr__(self) -> str:
        return f"LocalBucket({str(self.root)!r})"

    # -- reading -------------------------------------------------------------------------------

    def head(self, key: str) -> ObjectInfo:
        """Metadata of one object; raises NotFound."""
        path = self._existing(key)
        with self._lock:
            info = self._info(key, path, path.stat())
            self._save_cache()
        return info

    def read_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def fetch(self, key: str, workdir: Path) -> Path:
        """The object's own file (no copy): callers must treat it as read-only."""
        return self._existing(key)

    def list(self, prefix: str = "") -> builtins.list[ObjectInfo]:
        """Every regular file under `prefix` (not the `.divbase/` state folder), sorted by key."""
        found = sorted(self._walk(prefix), key=lambda entry: entry[0])
        with self._lock:
            infos = [self._info(key, path, st) for key, path, st in found]
            if not prefix:
                self._forget_except({info.key for info in infos})
            self._save_cache()
        return infos

    # -- writing -------------------------------------------------------------------------------

    def put_file(self, src: Path, key: str) -> ObjectInfo:
        with open(src, "rb") as source:
            return self._write(key, source)

    def put_bytes(self, data: bytes, key: str) -> ObjectInfo:
        return self._write(key, None, data)

    def delete(self, key: str) -> None:
        """Soft delete: the content moves to the versions store and a delete marker is left."""
        path = self._existing(key)
        self._archive(key, path, None, move=True)
        marker = self._versions_dir(key) / DELETED
        marker.touch()
        os.utime(marker)
        with self._lock:
            self._dirty = self._load_cache().pop(key, None) is not None or self._dirty
            self._save_cache()
        self._prune_empty_dirs(path.parent)

    # -- paths ---------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        """The resolved path of `key`; raises UnsafeKey if it (or a symlink on the way) leaves root."""
        check_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise UnsafeKey(
                f"Refusing file {key!r}: it resolves to {path}, outside the bucket {self.root} "
                "(a symbolic link pointing out of the bucket?).",
                "Replace the link with a copy of the file inside the bucket.",
            )
        if path.relative_to(self.root).parts[0].lower() == STATE_DIR:
            raise UnsafeKey(f"Refusing file {key!r}: it resolves into the reserved folder '{STATE_DIR}/'.")
        return path

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(
                f"No file '{key}' in bucket {self.root}. List files with 'divbase files ls'.",
            )
        return path

    def _walk(self, prefix: str) -> Iterator[tuple[str, Path, os.stat_result]]:
        """(key, path, stat) of every listable file whose key starts with `prefix`."""
        top = self.root
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if folder:
            top = self._path(folder)
        for dirpath, dirnames, filenames in os.walk(top):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d.lower() != STATE_DIR]
            for name in filenames:
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    entry = self._listable(key, path)
                    if entry is not None:
                        yield key, path, entry

    def _listable(self, key: str, path: Path) -> os.stat_result | None:
        """The stat of a file that is safe to list, else None (logged: nothing is skipped silently)."""
        if not is_safe(key):
            log.warning("Not listing %s: its name is not a valid divbase file name.", path)
            return None
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(self.root):
                log.warning("Not listing %s: it is a symbolic link to %s, outside the bucket.", path, target)
                return None
        try:
            st = path.stat()
        except OSError:
            return None  # a dangling symlink, or deleted while listing
        return st if _is_regular(st) else None

    def _prune_empty_dirs(self, folder: Path) -> None:
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    # -- writes --------------------------------------------------------------------------------

    def _write(self, key: str, source: IO[bytes] | None, data: bytes = b"") -> ObjectInfo:
        """Write atomically: a temp file in the destination folder, fsync, os.replace."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.md5(usedforsecurity=False)
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp_dir(path.parent), prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(source) if source is not None else [data]:
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._archive(key, path, digest.hexdigest(), move=False)
            os.replace(tmp_name, path)
            (self._versions_dir(key) / DELETED).unlink(missing_ok=True)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        with self._lock:
            st = path.stat()
            self._load_cache()[key] = (_stamp(st), digest.hexdigest())
            self._dirty = True
            self._save_cache()
        return ObjectInfo(key, digest.hexdigest(), st.st_size, digest.hexdigest())

    def _tmp_dir(self, folder: Path) -> Path:
        """Temp files go to `.divbase/tmp` (never listed) when it is on the same file system."""
        tmp = self.root / STATE_DIR / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return tmp if tmp.stat().st_dev == folder.stat().st_dev else folder

    # -- versions ------------------------------------------------------------------------------

    def versions(self, key: str) -> builtins.list[VersionInfo]:
        """Every kept version of `key`, newest first; the live content (or the delete marker) is current."""
        path = self._path(key)
        live = self.head(key) if path.is_file() else None
        found = [VersionInfo(key, live.version, live.size, _mtime(path), True, etag=live.etag)] if live else []
        store = self._versions_dir(key)
        if (store / DELETED).is_file():
            found.append(VersionInfo(key, DELETED, 0, _mtime(store / DELETED), live is None, deleted=True))
        for entry in sorted(store.iterdir()) if store.is_dir() else []:
            if _MD5.fullmatch(entry.name) and entry.is_file() and (live is None or entry.name != live.version):
                found.append(VersionInfo(key, entry.name, entry.stat().st_size, _mtime(entry), False, etag=entry.name))
        return sorted(found, key=lambda v: (v.current, v.modified), reverse=True)

    def version_path(self, key: str, version: str) -> Path:
        """The file holding `version` of `key` (the live file when it is the current version)."""
        path = self._path(key)
        if path.is_file() and self.head(key).version == version:
            return path
        kept = self._versions_dir(key) / version
        if not _MD5.fullmatch(version) or not kept.is_file():
            raise NotFound(
                f"No version {version!r} of '{key}' in bucket {self.root}.",
                f"List the kept versions with 'divbase files versions {key}'.",
            )
        return kept

    def restore(self, key: str, version: str | None = None) -> ObjectInfo:
        """Make `version` (default: the newest kept one) current again; a live key without `version` stays."""
        path = self._path(key)
        if version is None and path.is_file():
            return self.head(key)
        if version is None:
            kept = [v for v in self.versions(key) if not v.deleted]
            if not kept:
                raise NotFound(f"No kept versions of '{key}' in bucket {self.root}: nothing to restore.")
            version = kept[0].version
        source = self.version_path(key, version)
        if source == path:
            return self.head(key)
        with open(source, "rb") as handle:
            return self._write(key, handle)

    def keep(self, key: str) -> None:
        """Keep the current content of `key` in the versions store too (a hard link, else a copy), so that
        deleting or replacing the file outside divbase does not lose it (editing it in place still would)."""
        self._archive(key, self._existing(key), None, move=False)

    def _versions_dir(self, key: str) -> Path:
        check_key(key)
        return self.root / STATE_DIR / VERSIONS_DIR / key

    def _archive(self, key: str, path: Path, new_version: str | None, move: bool) -> None:
        """Keep the content at `path` as a version of `key` (unless it equals `new_version`)."""
        if not path.is_file():
            return
        st = path.stat()
        with self._lock:
            version = self._info(key, path, st).version
            self._save_cache()
        if version == new_version:
            return
        store = self._versions_dir(key)
        store.mkdir(parents=True, exist_ok=True)
        kept = store / version
        if kept.exists():
            os.utime(kept, ns=(st.st_atime_ns, st.st_mtime_ns))  # when this content was last current
            if move:
                path.unlink()
        elif move:
            shutil.move(path, kept)
        else:
            try:
                os.link(path, kept)
            except OSError:  # another file system, or no hard links
                shutil.copy2(path, kept)

    # -- ETag cache (call with the lock held) --------------------------------------------------

    def _info(self, key: str, path: Path, st: os.stat_result) -> ObjectInfo:
        cache = self._load_cache()
        stamp = _stamp(st)
        cached = cache.get(key)
        if cached is not None and cached[0] == stamp:
            etag = cached[1]
        else:
            etag = _md5_file(path)
            self.hashed += 1
            cache[key] = (stamp, etag)
            self._dirty = True
        return ObjectInfo(key, etag, st.st_size, etag)

    def _forget_except(self, keys: set[str]) -> None:
        cache = self._load_cache()
        for gone in set(cache) - keys:
            del cache[gone]
            self._dirty = True

    def _cache_path(self) -> Path:
        return self.root / STATE_DIR / CACHE_NAME

    def _load_cache(self) -> dict[str, tuple[_Stamp, str]]:
        if self._cache is None:
            self._cache = _read_cache(self._cache_path())
            self._dirty = False
        return self._cache

    def _save_cache(self) -> None:
        if self._cache is None or not self._dirty:
            return
        target = self._cache_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {key: [*stamp, etag] for key, (stamp, etag) in sorted(self._cache.items())}
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{CACHE_NAME}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"version": 1, "etags": payload}, out, separators=(",", ":"))
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        self._dirty = False


def _read_cache(path: Path) -> dict[str, tuple[_Stamp, str]]:
    """The cached ETags; an unreadable or corrupt cache is an empty one (it is rebuilt)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = raw["etags"]
        return {
            str(key): ((int(size), int(mtime), int(inode)), str(etag))
            for key, (size, mtime, inode, etag) in entries.items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("Rebuilding the ETag cache %s: it could not be read (%s).", path, exc)
        return {}


def _stamp(st: os.stat_result) -> _Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _is_regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)


def _md5_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(_CHUNK):
        yield chunk
