"""CSI indexes of bucket objects, built once per object version and reused by every query; and, next to
them, whether an object's record lines all have the columns its header implies (checked the first time a
query would copy the whole file unchanged, then remembered)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from divbase.adapters.bcftools import Bcftools
from divbase.adapters.record_check import well_formed
from divbase.core.ports import ObjectInfo


class IndexCache:
    """Indexes stored as `<dir>/<version>.csi`; the version changes whenever the content does."""

    def __init__(self, directory: Path, bcftools: Bcftools) -> None:
        self.directory = directory
        self.bcftools = bcftools
        self.built = 0

    def path(self, obj: ObjectInfo) -> Path:
        return self.directory / f"{obj.version}.csi"

    def ensure(self, obj: ObjectInfo, local: Path) -> Path:
        """The index of `obj` (whose content is at `local`), building it when missing."""
        target = self.path(obj)
        if target.exists():
            return target
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".csi.tmp")
        os.close(fd)
        try:
            self.bcftools.run(["index", "-f", "-o", tmp, str(local)], operation="indexing", target=obj.key)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        self.built += 1
        return target

    def rows_ok(self, obj: ObjectInfo, local: Path, sample_count: int) -> bool:
        """True when every record line of `obj` has the column count of its header (remembered per version)."""
        good, bad = (self.directory / f"{obj.version}.rows-{state}" for state in ("ok", "bad"))
        if good.exists() or bad.exists():
            return good.exists()
        ok = well_formed(local, sample_count)
        self.directory.mkdir(parents=True, exist_ok=True)
        (good if ok else bad).touch()
        return ok
