"""Dimensions model: incremental update plans, freshness, header parsing."""

from __future__ import annotations

import pytest

from divbase.core.dimensions import (
    Dimensions,
    FileDims,
    Skipped,
    duplicate_samples,
    parse_header,
    plan_update,
    staleness,
)
from divbase.core.ports import ObjectInfo


def obj(key: str, version: str = "v1") -> ObjectInfo:
    return ObjectInfo(key=key, version=version, size=10, etag=version)


def dims(key: str, version: str = "v1") -> FileDims:
    return FileDims(key, version, 10, ("S1",), ("1",), ("1",), 3)


def test_plan_update_indexes_only_new_or_changed() -> None:
    current = Dimensions(files=(dims("a.vcf.gz"), dims("gone.vcf.gz")), skipped=(Skipped("bad.vcf.gz", "v1", "x"),))
    objects = [
        obj("a.vcf.gz"),
        obj("b.vcf.gz"),
        obj("bad.vcf.gz"),
        obj("c.vcf.gz", "v2"),
        obj("notes.tsv"),
        obj("result_of_job_3.vcf.gz"),
        obj("dir/result_of_job_4.vcf.gz"),
    ]
    plan = plan_update(objects, current)
    assert [o.key for o in plan.to_index] == ["b.vcf.gz", "c.vcf.gz"]
    assert [o.key for o in plan.results] == ["result_of_job_3.vcf.gz", "dir/result_of_job_4.vcf.gz"]
    assert set(plan.unchanged) == {"a.vcf.gz", "bad.vcf.gz"}
    assert plan.deleted == ("gone.vcf.gz",)


def test_nothing_changed_means_nothing_to_do() -> None:
    current = Dimensions(files=(dims("a.vcf.gz"),))
    plan = plan_update([obj("a.vcf.gz")], current)
    assert plan.to_index == () and plan.deleted == () and plan.unchanged == ("a.vcf.gz",)


def test_staleness_ignores_results_and_names_changed_files() -> None:
    current = Dimensions(files=(dims("a.vcf.gz"),))
    assert not staleness([obj("a.vcf.gz"), obj("result_of_job_1.vcf.gz")], current).stale
    assert staleness([obj("a.vcf.gz", "v2"), obj("n.vcf")], current).new_or_changed == ["a.vcf.gz", "n.vcf"]


def test_parse_header_keeps_sample_and_contig_order() -> None:
    text = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr2,length=5>\n##contig=<length=9,ID=chr1>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t007\tS1\n"
    )
    assert parse_header(text) == (("007", "S1"), ("chr2", "chr1"))
    with pytest.raises(ValueError):
        parse_header("##fileformat=VCFv4.2\n")
    assert duplicate_samples(["a", "b", "a"]) == ["a"]
