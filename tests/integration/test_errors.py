"""Bad inputs give a clear message and the documented exit code, and lose nothing (upstream 6.3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.fixture_sets import FIRST_10, HOM, LAST_10
from tests.integration.upstream import header_samples

pytestmark = pytest.mark.integration

QUERY = [FIRST_10, LAST_10, "sample_metadata.tsv"]


def pipe(root: Path, *args: str) -> tuple[int, str, str]:
    r = divbase("run", "bcftools-pipe", "--bucket-dir", str(root), *args)
    return r.code, r.stdout, r.stderr


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".divbase" not in p.parts}


def history(root: Path) -> list[dict[str, object]]:
    r = divbase("task-history", "user", "--bucket-dir", str(root), "--json")
    assert r.code == 0, r.stderr
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("invalid-command", "Unsupported bcftools command"),
        ("", "non-empty bcftools view string"),
        ("view -S samples.txt", "-S/--samples-file"),
        ("view -Oz", "-O/--output-type"),
        ("view file.vcf.gz", "input"),
        ("view -r file.vcf.gz", "file"),
        ("view --out=x.vcf -s", "--output"),
        ("view -s; merge -m all", "merge"),
    ],
)
def test_refused_commands_exit_2_and_leave_no_trace(
    indexed_project: Callable[..., Path], command: str, message: str
) -> None:
    root = indexed_project(QUERY)
    before, tasks_before = files(root), history(root)
    code, _out, err = pipe(root, "--all-samples", "--command", command)
    assert code == 2, err
    assert message.lower() in err.lower()
    assert files(root) == before
    assert history(root) == tasks_before


def test_sample_selection_is_required_and_exclusive(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    code, _, err = pipe(root, "--command", "view -s")
    assert code == 2 and "Sample selection is required" in err
    code, _, err = pipe(root, "--command", "view -s", "--all-samples", "--samples", "A")
    assert code == 2 and "Use only one of" in err


def test_bad_filter_syntax_is_refused_before_running(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    before = history(root)
    r = divbase("run", "sample-metadata-query", "--bucket-dir", str(root), "--tsv-filter", "Area North")
    assert r.code == 2
    assert "Invalid filter format: 'Area North'. Expected format 'key:value1,value2' or" in r.stderr
    assert history(root) == before


def test_unknown_column_only(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    r = divbase("run", "sample-metadata-query", "--bucket-dir", str(root), "--tsv-filter", "NonExistentColumn:value")
    assert r.code != 0
    assert "no valid filter conditions could be parsed from 'NonExistentColumn:value'" in r.stderr


def test_missing_tsv_is_reported_before_missing_dimensions(make_project: Callable[..., Path]) -> None:
    root = make_project(QUERY[:2])
    r = divbase("run", "sample-metadata-query", "--bucket-dir", str(root), "--tsv-filter", "Area:North")
    assert r.code == 1
    assert f"The sample metadata TSV file 'sample_metadata.tsv' was not found in your project '{root.name}'" in r.stderr
    (root / "sample_metadata.tsv").write_text("#Sample_ID\tArea\n5a_HOM-I7\tNorth\n")
    r = divbase("run", "sample-metadata-query", "--bucket-dir", str(root), "--tsv-filter", "Area:North")
    assert r.code == 1
    assert f"The VCF dimensions index in project '{root.name}' is missing or empty" in r.stderr
    assert "dimensions-update" in r.stderr


def test_duplicate_sample_ids_in_tsv(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY[:2])
    (root / "sample_metadata.tsv").write_text("#Sample_ID\tArea\n5a_HOM-I7\tNorth\n5a_HOM-I7\tSouth\n")
    r = divbase("run", "sample-metadata-query", "--bucket-dir", str(root), "--tsv-filter", "Area:North")
    assert r.code == 1
    assert "Duplicate Sample_IDs found" in r.stderr and "Each Sample_ID must be unique." in r.stderr


def test_sample_metadata_query_results(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    r = divbase(
        "run",
        "sample-metadata-query",
        "--bucket-dir",
        str(root),
        "--json",
        "--tsv-filter",
        "Area:West of Ireland,Northern Portugal;Sex:F",
    )
    assert r.code == 0, r.stderr
    result = r.json()["result"]
    assert sorted(result["unique_sample_ids"]) == sorted(
        ["5a_HOM-I13", "5a_HOM-I14", "5a_HOM-I20", "5a_HOM-I21", "5a_HOM-I7", "1b_HOM-G58"]
    )
    assert result["unique_filenames"] == QUERY[:2]
    r = divbase(
        "run",
        "sample-metadata-query",
        "--bucket-dir",
        str(root),
        "--tsv-filter",
        "Area:ValueThatDoesNotExistInFixtures",
    )
    assert r.code == 0
    assert "Unique Sample IDs: []" in r.stdout and "No samples match your query filters." in r.stdout


def test_region_on_no_indexed_contig_succeeds_empty_with_a_warning(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    code, out, err = pipe(
        root,
        "--json",
        "--tsv-filter",
        "Area:West of Ireland,Northern Portugal;",
        "--command",
        "view -r 100000:15000000-25000000",
    )
    assert code == 0, err
    body = json.loads(out)
    warning = "No selected VCF file has records on contig(s) '100000' named by -r"
    assert any(w.startswith(warning) for w in body["warnings"]) and warning in err
    assert any("holds no records" in w for w in body["warnings"])
    result = body["result"]
    assert result["records"] == 0 and len(result["samples"]) > 0
    lines = records(root / result["output_file"])
    assert lines[-1].startswith("#CHROM") and lines[-1].rstrip("\n").split("\t")[9:] == result["samples"]
    assert history(root)[0]["state"] == "SUCCESS"


def test_malformed_records_fail_the_task(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(["vcf_specification_v45_example11_incorrect_sample_column_count_mismatch.vcf.gz"])
    code, _, err = pipe(root, "--samples", "NA00001,NA00002,NA00003", "--command", "view -s")
    assert code == 1
    assert "malformed VCF record lines" in err


def test_partly_overlapping_sample_sets_are_refused(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project([QUERY[0], f"{HOM}_last_10_samples_with_edit_to_break_merge.vcf.gz"])
    code, _, err = pipe(root, "--samples", "5a_HOM-I7", "--command", "view -s")
    assert code == 1
    assert "Sample sets that are partly overlapping" in err
    assert QUERY[0] in err and "break_merge" in err


def test_reordered_sample_sets_concatenate_in_the_first_files_order(indexed_project: Callable[..., Path]) -> None:
    """Same samples in another header order: both are subset with one explicit column order, then joined."""
    first, second = f"{HOM}.1.vcf.gz", f"{HOM}.4_with_edits_to_change_sample_order.vcf.gz"
    root = indexed_project([second, first])
    code, out, err = pipe(root, "--json", "--all-samples", "--command", "view -v snps")
    assert code == 0, err
    result = json.loads(out)["result"]
    lines = records(root / result["output_file"])
    columns = lines[0].rstrip("\n").split("\t")[9:]
    assert columns == header_samples(root / first)  # key order: the HOM.1 file comes first
    assert sorted(columns) == sorted(header_samples(root / second)) and columns != header_samples(root / second)
    assert result["records"] == len(lines) - 1 > 0


def test_unknown_explicit_samples(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    code, _, err = pipe(root, "--samples", "nobody,5a_HOM-I7", "--command", "view -s")
    assert code == 1
    assert "not found in the project's dimensions index: nobody" in err


def test_stale_dimensions_are_refused(indexed_project: Callable[..., Path], fixtures: Path) -> None:
    root = indexed_project(QUERY[:1])
    (root / "new.vcf.gz").write_bytes((fixtures / QUERY[1]).read_bytes())
    code, _, err = pipe(root, "--all-samples", "--command", "view -r 21")
    assert code == 1
    assert "new.vcf.gz" in err and "dimensions-update" in err


def test_missing_bucket_dir_is_not_found(tmp_path: Path) -> None:
    r = divbase("run", "dimensions-update", "--bucket-dir", str(tmp_path / "nope"))
    assert r.code == 4 and "does not exist" in r.stderr
