"""dimensions-update: incremental, drops deleted files, skips results, refuses broken files with a reason."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import divbase
from tests.fixture_sets import FIRST_10, HOM

pytestmark = pytest.mark.integration

GOOD = FIRST_10


def update(root: Path) -> tuple[int, dict[str, object], str]:
    r = divbase("run", "dimensions-update", "--bucket-dir", str(root), "--json")
    return r.code, r.json()["result"], r.stderr


def show(root: Path) -> dict[str, list[dict[str, object]]]:
    r = divbase("dimensions", "show", "--bucket-dir", str(root), "--json")
    assert r.code == 0, r.stderr
    return r.json()  # type: ignore[no-any-return]


def test_indexes_samples_scaffolds_and_counts(make_project: Callable[..., Path]) -> None:
    root = make_project({GOOD: GOOD, f"sub/dir/{HOM}.21.vcf.gz": f"{HOM}.21.vcf.gz"})
    code, result, err = update(root)
    assert code == 0, err
    assert result["indexed"] == [GOOD, f"sub/dir/{HOM}.21.vcf.gz"]
    entries = {f["key"]: f for f in show(root)["files"]}
    first = entries[GOOD]
    assert first["samples"][:3] == ["5a_HOM-I7", "1b_HOM-G55", "1b_HOM-G58"] and first["sample_count"] == 10
    assert first["scaffolds"] == ["1", "4", "7", "20", "21", "5", "22", "13", "18", "24", "6", "8"]
    assert first["variant_count"] == 17
    assert entries[f"sub/dir/{HOM}.21.vcf.gz"]["scaffolds"] == ["21"]


def test_nothing_changed_does_no_per_file_work(make_project: Callable[..., Path]) -> None:
    root = make_project([GOOD, f"{HOM}.1.vcf.gz"])
    assert update(root)[0] == 0
    code, result, _ = update(root)
    assert code == 0
    assert result["indexed"] == [] and result["unchanged"] == 2 and result["refused"] == []


def test_changed_and_deleted_files(make_project: Callable[..., Path], fixtures: Path) -> None:
    root = make_project([GOOD, f"{HOM}.1.vcf.gz"])
    update(root)
    (root / f"{HOM}.1.vcf.gz").unlink()
    (root / GOOD).write_bytes((fixtures / f"{HOM}_last_10_samples.vcf.gz").read_bytes())
    code, result, _ = update(root)
    assert code == 0
    assert result["indexed"] == [GOOD] and result["deleted"] == [f"{HOM}.1.vcf.gz"]
    files = show(root)["files"]
    assert [f["key"] for f in files] == [GOOD] and files[0]["samples"][0] == "8_HOM-E57"


def test_result_files_are_skipped(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project([GOOD])
    r = divbase("run", "bcftools-pipe", "--bucket-dir", str(root), "--all-samples", "--command", "view -r 21")
    assert r.code == 0, r.stderr
    code, result, _ = update(root)
    assert code == 0 and result["skipped_results"] == ["result_of_job_2.vcf.gz"] and result["indexed"] == []
    assert {"key": "result_of_job_2.vcf.gz", "reason": "divbase_generated"}.items() <= show(root)["skipped"][0].items()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (f"{HOM}_last_10_samples_with_edit_to_scramble_coordinates.vcf.gz", "bcftools sort"),
        ("vcf_specification_v45_example11_incorrect_duplicate_sample_ids.vcf.gz", "duplicate sample ids"),
        ("vcf_specification_v45_example11_incorrect_invalid_header_content.vcf.gz", "invalid vcf header"),
        ("txt_file_with_extension_that_allows_it_to_be_uploaded.vcf.gz", "vcf"),
    ],
)
def test_broken_files_are_refused_with_a_reason(make_project: Callable[..., Path], source: str, reason: str) -> None:
    root = make_project({GOOD: GOOD, "broken.vcf.gz": source})
    r = divbase("run", "dimensions-update", "--bucket-dir", str(root))
    assert r.code == 1
    line = next(x for x in (r.stdout + r.stderr).splitlines() if x.startswith("broken.vcf.gz: "))
    assert reason in line.lower()
    dims = show(root)
    assert [f["key"] for f in dims["files"]] == [GOOD]
    assert dims["skipped"][0]["key"] == "broken.vcf.gz"


def test_plain_gzip_and_truncated_files(make_project: Callable[..., Path], fixtures: Path) -> None:
    root = make_project([GOOD])
    text = gzip.decompress((fixtures / GOOD).read_bytes())
    (root / "plain.vcf.gz").write_bytes(gzip.compress(text))
    (root / "truncated.vcf.gz").write_bytes((fixtures / GOOD).read_bytes()[:-300])
    r = divbase("run", "dimensions-update", "--bucket-dir", str(root))
    assert r.code == 1
    lines = {x.split(": ", 1)[0]: x.lower() for x in (r.stdout + r.stderr).splitlines() if ": " in x}
    assert "bgzip" in lines["plain.vcf.gz"]
    assert "truncated" in lines["truncated.vcf.gz"] or "corrupt" in lines["truncated.vcf.gz"]
