"""Regression tests for the nine classes of silently wrong results on real-world bucket layouts (issue 9),
each on a small hand-written bucket, through the real CLI and real bcftools."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.vcfgen import Record, write_vcf

pytestmark = pytest.mark.integration


def rec(contig: str, pos: int, calls: dict[str, str], rid: str = ".", ref: str = "A", alt: str = "C") -> Record:
    return Record(contig, pos, rid, ref, alt, 50, "PASS", {s: (gt, 10) for s, gt in calls.items()})


def bucket(
    root: Path, files: dict[str, tuple[Sequence[str], Sequence[str], list[Record], Sequence[str] | None]]
) -> Path:
    """Write `key -> (header contigs, samples, records in file order, declared contigs or None)` into
    `<root>/bucket` and index them."""
    root = root / "bucket"
    for key, (contigs, samples, rows, declare) in files.items():
        write_vcf(root / key, contigs, samples, rows, declare)
    update = divbase("run", "dimensions-update", "--bucket-dir", str(root))
    assert update.code == 0, update.stderr
    return root


def pipe(root: Path, *args: str) -> tuple[list[list[str]], dict]:
    """Run bcftools-pipe with --json; return the result's record fields (header line first) and result."""
    run = divbase("run", "bcftools-pipe", "--bucket-dir", str(root), "--json", *args)
    assert run.code == 0, run.stderr
    result = run.json()["result"]
    lines = [line.rstrip("\n").split("\t") for line in records(root / result["output_file"])]
    assert result["records"] == len(lines) - 1
    return lines, result


def genotypes(lines: list[list[str]]) -> list[tuple[str, str, list[str]]]:
    return [(f[0], f[1], [c.split(":")[0] for c in f[9:]]) for f in lines[1:]]


def test_1_sample_dependent_filters_see_the_merged_samples(tmp_path: Path) -> None:
    """A site het in batch A only: per-file `-g het` kept it in A and dropped it in B (B shown as ./.)."""
    rows_a = [rec("chr1", 10, {"A1": "0/1"}), rec("chr1", 20, {"A1": "0/0"})]
    rows_b = [rec("chr1", 10, {"B1": "0/0"}), rec("chr1", 20, {"B1": "0/1"})]
    root = bucket(
        tmp_path, {"a.vcf.gz": (["chr1"], ["A1"], rows_a, None), "b.vcf.gz": (["chr1"], ["B1"], rows_b, None)}
    )
    for command in ("view -s -g het", "view -s -c 1", "view -s -q 0.2:minor", "view -s -i 'GT=\"het\"'"):
        lines, _ = pipe(root, "--samples", "A1,B1", "--command", command)
        assert genotypes(lines) == [("chr1", "10", ["0/1", "0/0"]), ("chr1", "20", ["0/0", "0/1"])], command


def test_2_merge_of_a_passed_through_file_follows_the_header_order(tmp_path: Path) -> None:
    """a.vcf.gz passes through unchanged; its index lists only chr2, and `bcftools merge` reads contigs in
    the order its inputs' indexes list them (chr2 from a, then chr1 from b) unless told the order."""
    only_chr2 = [rec("chr2", 5, {"A1": "0/1"})]
    both = [rec("chr1", 5, {"B1": "1/1"}), rec("chr2", 5, {"B1": "1/1"})]
    root = bucket(
        tmp_path,
        {"a.vcf.gz": (["chr1", "chr2"], ["A1"], only_chr2, None), "b.vcf.gz": (["chr1", "chr2"], ["B1"], both, None)},
    )
    for jobs in ("1", "4"):
        lines, _ = pipe(root, "--samples", "A1,B1", "--command", "view -s", "--jobs", jobs)
        assert genotypes(lines) == [("chr1", "5", ["./.", "1/1"]), ("chr2", "5", ["0/1", "1/1"])]


def test_3_one_sample_set_with_different_header_contig_orders(tmp_path: Path) -> None:
    first = [rec("chr2", 5, {"A1": "0/1"})]
    second = [rec("chr1", 5, {"A1": "1/1"})]
    root = bucket(
        tmp_path,
        {
            "a.vcf.gz": (["chr2", "chr1"], ["A1"], first, None),
            "b.vcf.gz": (["chr1", "chr2"], ["A1"], second, None),
            "c.vcf.gz": (
                ["chr1", "chr2"],
                ["C1"],
                [rec("chr1", 5, {"C1": "0/0"}), rec("chr2", 5, {"C1": "0/0"})],
                None,
            ),
        },
    )
    out = tmp_path / "out.vcf.gz"
    run = divbase(
        "run", "bcftools-pipe", "--bucket-dir", str(root), "--all-samples", "--command", "view -v snps", "-o", str(out)
    )
    assert run.code == 0, run.stderr
    header = [line for line in _text(out) if line.startswith("##contig")]
    assert header == ["##contig=<ID=chr2>", "##contig=<ID=chr1>"]  # union in key order: a.vcf.gz first
    assert [line.split("\t")[0] for line in _text(out) if not line.startswith("#")] == ["chr2", "chr1"]


def test_4_contig_names_with_colons_are_never_misparsed(tmp_path: Path) -> None:
    hla = "HLA-A*01:01:01:01"
    rows = [
        rec("chr1", 5, {"S1": "0/1", "S2": "0/0"}),
        rec("chr1", 9, {"S1": "1/1", "S2": "0/1"}),
        rec(hla, 3, {"S1": "0/1", "S2": "0/0"}),
        rec(hla, 7, {"S1": "./.", "S2": "0/1"}),
    ]
    root = bucket(tmp_path, {"x.vcf.gz": (["chr1", hla], ["S1", "S2"], rows, None)})
    for jobs in ("1", "2", "8"):
        lines, _ = pipe(root, "--samples", "S1", "--command", "view -s -g het", "--jobs", jobs)
        assert genotypes(lines) == [("chr1", "5", ["0/1"]), (hla, "3", ["0/1"])], jobs
    lines, _ = pipe(root, "--samples", "S1,S2", "--command", "view -s -r '{HLA-A*01:01:01:01}:1-5'")
    assert genotypes(lines) == [(hla, "3", ["0/1", "0/0"])]


def test_5_distinct_records_at_one_position_of_one_file_are_kept(tmp_path: Path) -> None:
    one = [
        rec("chr1", 5, {"S1": "0/1"}, "rs1"),
        rec("chr1", 5, {"S1": "1/1"}, "rs2"),  # same alleles, another id
        rec("chr1", 5, {"S1": "0/1"}, "indel", "A", "AT"),
        rec("chr1", 8, {"S1": "0/1"}, "rs3"),
    ]
    root = bucket(
        tmp_path,
        {"a.vcf.gz": (["chr1"], ["S1"], one, None), "b.vcf.gz": (["chr1"], ["S1"], [one[3]], None)},  # overlap
    )
    lines, _ = pipe(root, "--samples", "S1", "--command", "view -s")
    assert [(f[1], f[2], f[4]) for f in lines[1:]] == [
        ("5", "rs1", "C"),
        ("5", "rs2", "C"),
        ("5", "indel", "AT"),
        ("8", "rs3", "C"),
    ]


def test_6_overlapping_files_of_one_set_plus_other_samples(tmp_path: Path) -> None:
    """The same file stored twice (b.vcf.gz) next to a file of other samples: upstream-style concatenation
    gave an unsorted temporary file and an error naming it."""
    a = [rec("chr1", 5, {"S1": "0/1"}), rec("chr1", 9, {"S1": "1/1"})]
    root = bucket(
        tmp_path,
        {
            "a.vcf.gz": (["chr1"], ["S1"], a, None),
            "b.vcf.gz": (["chr1"], ["S1"], a, None),
            "c.vcf.gz": (["chr1"], ["T1"], [rec("chr1", 5, {"T1": "0/0"}), rec("chr1", 9, {"T1": "0/1"})], None),
        },
    )
    lines, result = pipe(root, "--all-samples", "--command", "view -v snps")
    assert genotypes(lines) == [("chr1", "5", ["0/1", "0/0"]), ("chr1", "9", ["1/1", "0/1"])]
    assert result["files"] == ["a.vcf.gz", "b.vcf.gz", "c.vcf.gz"]


def test_7_sample_ids_with_a_leading_caret_are_selected_not_excluded(tmp_path: Path) -> None:
    rows = [rec("chr1", 5, {"^S1": "1/1", "S2": "0/0"})]
    root = bucket(tmp_path, {"a.vcf.gz": (["chr1"], ["^S1", "S2"], rows, None)})
    lines, result = pipe(root, "--samples", "^S1", "--command", "view -s -v snps")
    assert lines[0][9:] == ["^S1"] and genotypes(lines) == [("chr1", "5", ["1/1"])]
    assert result["samples"] == ["^S1"]


def test_8_same_samples_in_another_header_order_are_joined(tmp_path: Path) -> None:
    root = bucket(
        tmp_path,
        {
            "a.vcf.gz": (["chr1", "chr2"], ["S1", "S2"], [rec("chr1", 5, {"S1": "0/1", "S2": "1/1"})], None),
            "b.vcf.gz": (["chr1", "chr2"], ["S2", "S1"], [rec("chr2", 5, {"S1": "0/1", "S2": "0/0"})], None),
        },
    )
    lines, _ = pipe(root, "--all-samples", "--command", "view -v snps")
    assert lines[0][9:] == ["S1", "S2"]
    assert genotypes(lines) == [("chr1", "5", ["0/1", "1/1"]), ("chr2", "5", ["0/1", "0/0"])]


def test_9_a_contig_without_a_header_line_is_read_like_bcftools_view(tmp_path: Path) -> None:
    rows = [rec("chr1", 5, {"S1": "0/1", "S2": "0/0"}), rec("chrX", 5, {"S1": "0/1", "S2": "0/1"})]
    root = bucket(tmp_path, {"a.vcf.gz": (["chr1", "chrX"], ["S1", "S2"], rows, ["chr1"])})
    for jobs in ("1", "2"):
        lines, _ = pipe(root, "--samples", "S1", "--command", "view -s -v snps", "--jobs", jobs)
        assert genotypes(lines) == [("chr1", "5", ["0/1"]), ("chrX", "5", ["0/1"])]


def _text(path: Path) -> list[str]:
    import gzip

    with gzip.open(path, "rt") as handle:
        return [line.rstrip("\n") for line in handle]


def test_files_without_records_give_an_empty_result_with_a_warning(tmp_path: Path) -> None:
    root = bucket(
        tmp_path,
        {"a.vcf.gz": (["chr1"], ["A1"], [], None), "b.vcf.gz": (["chr1"], ["B1"], [], None)},
    )
    run = divbase(
        "run", "bcftools-pipe", "--bucket-dir", str(root), "--json", "--all-samples", "--command", "view -c 1"
    )
    assert run.code == 0, run.stderr
    body = run.json()
    assert body["result"]["records"] == 0 and body["result"]["samples"] == ["A1", "B1"]
    assert any("holds no records" in w for w in body["warnings"]) and "holds no records" in run.stderr
