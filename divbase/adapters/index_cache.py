"""CSI indexes of bucket objects, built once per object version and reused by every query."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from divbase.adapters.bcftools import Bcftools
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


def indexed(path: Path, index: Path) -> str:
    """The htslib spelling of a file with an index stored elsewhere."""
    return f"{path}##idx##{index}"
