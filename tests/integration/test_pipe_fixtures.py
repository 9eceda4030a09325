"""Result identity: `divbase run bcftools-pipe` records equal those of the replayed upstream pipeline."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.fixture_sets import HOM, MIXED, MIXED_TSV, SPLIT
from tests.fixture_sets import QUERY as Q
from tests.integration.upstream import header_samples, replay

pytestmark = pytest.mark.integration

QUERY = [*Q, "sample_metadata.tsv"]


def matching(tsv: Path, areas: set[str], sex: str | None) -> set[str]:
    """Independent reading of the metadata TSV for the reference pipeline."""
    with tsv.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {r["#Sample_ID"] for r in rows if r["Area"] in areas and (sex is None or r["Sex"] == sex)}


def reference(
    root: Path, keys: Sequence[str], wanted: set[str] | None, segments: list[list[str]], tmp: Path
) -> list[str]:
    """Upstream replay over `keys` (bucket-key order), samples in header order."""
    inputs = []
    for key in sorted(keys):
        path = root / key
        samples = None if wanted is None else [s for s in header_samples(path) if s in wanted]
        if samples != []:
            inputs.append((path, samples))
    return records(replay(inputs, segments, tmp))


def run_pipe(root: Path, *args: str) -> Path:
    out = root.parent / "out" / "result.vcf.gz"
    result = divbase("run", "bcftools-pipe", "--bucket-dir", str(root), "-o", str(out), "--json", *args)
    assert result.code == 0, result.stderr
    body = result.json()
    assert body["status"] == "SUCCESS"
    bucket_result = root / body["result"]["output_file"]
    assert bucket_result.exists() and Path(f"{bucket_result}.csi").exists()
    assert records(bucket_result) == records(out)
    return out


def test_merge_case_c1(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(QUERY)
    out = run_pipe(
        root,
        "--tsv-filter",
        "Area:West of Ireland,Northern Portugal;Sex:F",
        "--command",
        "view -s",
        "--metadata-tsv-name",
        "sample_metadata_HOM_20ind_17SNPs.tsv",
    )
    expected = records(
        replay(
            [
                (root / QUERY[0], ["5a_HOM-I7", "1b_HOM-G58"]),
                (root / QUERY[1], ["5a_HOM-I13", "5a_HOM-I14", "5a_HOM-I20", "5a_HOM-I21"]),
            ],
            [[]],
            tmp_path / "ref",
        )
    )
    assert records(out) == expected
    assert expected[0].split("\t")[9:] == [
        "5a_HOM-I7",
        "1b_HOM-G58",
        "5a_HOM-I13",
        "5a_HOM-I14",
        "5a_HOM-I20",
        "5a_HOM-I21\n",
    ]
    assert len(expected) == 18


def test_concat_case_c2(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(SPLIT)
    wanted = matching(root / SPLIT[-1], {"West of Ireland", "Northern Portugal"}, "F")
    out = run_pipe(
        root,
        "--tsv-filter",
        "Area:West of Ireland,Northern Portugal;Sex:F",
        "--command",
        "view -s",
        "--metadata-tsv-name",
        SPLIT[-1],
    )
    expected = reference(root, SPLIT[:-1], wanted, [[]], tmp_path / "ref")
    assert records(out) == expected
    assert expected[0].rstrip("\n").split("\t")[9:] == [
        "5a_HOM-I20",
        "5a_HOM-I21",
        "5a_HOM-I13",
        "5a_HOM-I14",
        "1b_HOM-G58",
        "5a_HOM-I7",
    ]


def test_region_pruned_concat_c3(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(SPLIT)
    body = divbase(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--tsv-filter",
        "Area:West of Ireland;Sex:F",
        "--command",
        "view -r 1,4,6,21,24",
        "--metadata-tsv-name",
        SPLIT[-1],
    )
    assert body.code == 0, body.stderr
    result = body.json()["result"]
    assert sorted(result["files"]) == sorted(f"{HOM}.{c}.vcf.gz" for c in ("1", "4", "6", "21", "24"))
    assert result["samples"] == ["1b_HOM-G58"]
    expected = reference(root, result["files"], {"1b_HOM-G58"}, [["-r", "1,4,6,21,24"]], tmp_path / "ref")
    assert records(root / result["output_file"]) == expected


def test_all_samples_with_region_d1(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(QUERY)
    out = run_pipe(root, "--all-samples", "--command", "view -r 21:15000000-25000000")
    expected = reference(root, QUERY[:2], None, [["-r", "21:15000000-25000000"]], tmp_path / "ref")
    assert records(out) == expected
    body = [line for line in expected if not line.startswith("#")]
    assert [line.split("\t")[1] for line in body] == ["15619806", "23412586"]
    assert len(expected[0].split("\t")) == 9 + 20


def test_explicit_samples_d2(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(QUERY)
    out = run_pipe(root, "--samples", "5a_HOM-I13,1b_HOM-G58", "--command", "view -r 21:15000000-25000000")
    expected = reference(
        root, QUERY[:2], {"5a_HOM-I13", "1b_HOM-G58"}, [["-r", "21:15000000-25000000"]], tmp_path / "ref"
    )
    assert records(out) == expected
    assert expected[0].rstrip("\n").split("\t")[9:] == ["1b_HOM-G58", "5a_HOM-I13"]


def test_samples_file_equals_samples(indexed_project: Callable[..., Path], tmp_path: Path) -> None:
    root = indexed_project(QUERY)
    listing = tmp_path / "samples.txt"
    listing.write_text("# wanted\n5a_HOM-I13\n\n1b_HOM-G58\n")
    a = run_pipe(root, "--samples-file", str(listing), "--command", "view -r 21")
    b = run_pipe(root, "--samples", "5a_HOM-I13,1b_HOM-G58", "--command", "view -r 21")
    assert records(a) == records(b)


@pytest.mark.parametrize(
    ("areas", "regions"),
    [
        ({"Northern Spanish shelf"}, "1,4,6,21,24"),
        ({"Northern Spanish shelf", "Iceland"}, "1,4,6,8,13,18,21,24"),
    ],
    ids=["d4-concat-then-merge", "d5-two-concats-then-merge"],
)
def test_mixed_concat_then_merge(
    indexed_project: Callable[..., Path], tmp_path: Path, areas: set[str], regions: str
) -> None:
    root = indexed_project(MIXED)
    wanted = matching(root / MIXED_TSV, areas, None)
    body = divbase(
        "run",
        "bcftools-pipe",
        "--bucket-dir",
        str(root),
        "--json",
        "--tsv-filter",
        "Area:" + ",".join(sorted(areas)),
        "--command",
        f"view -r {regions}",
        "--metadata-tsv-name",
        MIXED_TSV,
    )
    assert body.code == 0, body.stderr
    result = body.json()["result"]
    expected = reference(root, result["files"], wanted, [["-r", regions]], tmp_path / "ref")
    got = records(root / result["output_file"])
    assert got == expected
    samples = got[0].rstrip("\n").split("\t")[9:]
    data = [line for line in got if not line.startswith("#")]
    assert (len(samples), len(data)) == ((10, 10) if len(areas) == 1 else (14, 13))


def test_filter_expressions_with_quotes_and_semicolons(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(["vcf_specification_v45_example11.vcf.gz"])
    cases = {
        "view -i 'FILTER~\"q10\"'": [("17330", ".", "q10"), ("1234567", "microsat1", "q10;s50")],
        "view -i 'FILTER=\"q10\"'": [("17330", ".", "q10")],
        "view -i 'FILTER=\"q10;s50\"'": [("1234567", "microsat1", "q10;s50")],
    }
    for command, expected in cases.items():
        body = divbase(
            "run",
            "bcftools-pipe",
            "--bucket-dir",
            str(root),
            "--json",
            "--samples",
            "NA00001,NA00002,NA00003",
            "--command",
            command,
        )
        assert body.code == 0, body.stderr
        got = [
            line.split("\t")
            for line in records(root / body.json()["result"]["output_file"])
            if not line.startswith("#")
        ]
        assert [(f[1], f[2], f[6]) for f in got] == expected, command


def test_same_query_twice_without_update(indexed_project: Callable[..., Path]) -> None:
    root = indexed_project(QUERY)
    first = run_pipe(root, "--all-samples", "--command", "view -r 21")
    second = run_pipe(root, "--all-samples", "--command", "view -r 21")
    assert records(first) == records(second)
