"""The record check behind pass-through: a file is copied unchanged only when every record line has the
column count its header implies; the answer is remembered per object version next to the index."""

from __future__ import annotations

import shutil
from pathlib import Path

from divbase.adapters.bcftools import Bcftools
from divbase.adapters.index_cache import IndexCache
from divbase.adapters.record_check import well_formed
from divbase.core.ports import ObjectInfo

GOOD = "vcf_specification_v45_example11.vcf.gz"
BAD = "vcf_specification_v45_example11_incorrect_sample_column_count_mismatch.vcf.gz"


def test_well_formed_counts_columns(fixtures: Path) -> None:
    assert well_formed(fixtures / GOOD, 3)
    assert not well_formed(fixtures / BAD, 3)
    assert not well_formed(fixtures / GOOD, 4)  # the header says otherwise


def test_the_answer_is_remembered_per_version(fixtures: Path, tmp_path: Path) -> None:
    cache = IndexCache(tmp_path / "index", Bcftools())
    local = tmp_path / "file.vcf.gz"
    shutil.copyfile(fixtures / BAD, local)
    bad = ObjectInfo(key="file.vcf.gz", version="v1", size=local.stat().st_size, etag="e1")
    assert cache.rows_ok(bad, local, 3) is False
    assert (tmp_path / "index" / "v1.rows-bad").exists()
    shutil.copyfile(fixtures / GOOD, local)  # new content is a new version: checked afresh
    assert cache.rows_ok(bad, local, 3) is False  # same version: remembered, not re-read
    good = ObjectInfo(key="file.vcf.gz", version="v2", size=local.stat().st_size, etag="e2")
    assert cache.rows_ok(good, local, 3) is True
    assert (tmp_path / "index" / "v2.rows-ok").exists()
