"""The query planner: file pruning, sample-set checks, grouping and the proof that no sort is needed."""

from __future__ import annotations

import pytest

from divbase.core.dimensions import Dimensions, FileDims
from divbase.core.errors import SampleSetError, TaskError
from divbase.core.plan import (
    Part,
    all_parts,
    build,
    check_combinable,
    parts_for_samples,
    prune_by_region,
    unknown_samples,
)

CONTIGS = ("1", "4", "7", "20", "21")


def vcf(key: str, samples: str, scaffolds: str, header: tuple[str, ...] = CONTIGS) -> FileDims:
    return FileDims(
        key=key,
        version="v",
        size=1,
        samples=tuple(samples.split(",")),
        scaffolds=tuple(scaffolds.split(",")),
        header_contigs=header,
        variant_count=1,
    )


A = vcf("a.vcf.gz", "S1,S2,S3", "1,4")
B = vcf("b.vcf.gz", "S1,S2,S3", "20,21")
C = vcf("c.vcf.gz", "T1,T2", "1,4,7,20,21")
DIMS = Dimensions(files=(A, B, C))


def test_parts_follow_key_order_and_header_order() -> None:
    parts = parts_for_samples(DIMS, ["T2", "S3", "S1"])
    assert [(p.file.key, p.samples) for p in parts] == [
        ("a.vcf.gz", ("S1", "S3")),
        ("b.vcf.gz", ("S1", "S3")),
        ("c.vcf.gz", ("T2",)),
    ]
    assert unknown_samples(DIMS, ["S1", "nobody", "nobody"]) == ["nobody"]


def test_region_pruning_keeps_files_with_a_named_scaffold() -> None:
    parts = all_parts(DIMS)
    assert [p.file.key for p in prune_by_region(parts, ["20"])] == ["b.vcf.gz", "c.vcf.gz"]
    assert prune_by_region(parts, None) == parts
    with pytest.raises(TaskError, match="no VCF files in the project that fulfill the query"):
        prune_by_region(parts, ["99"])


def test_identical_sets_concat_and_disjoint_sets_merge_without_sort() -> None:
    plan = build(all_parts(DIMS))
    assert plan.groups == ((0, 1), (2,)) and plan.merge
    assert not plan.sort and not plan.dedupe


def test_concat_inputs_are_reordered_by_contig_instead_of_sorting() -> None:
    late, early = vcf("x.vcf.gz", "S1", "20"), vcf("y.vcf.gz", "S1", "1")
    plan = build([Part(late, None), Part(early, None)])
    assert plan.groups == ((1, 0),) and not plan.sort


def test_region_list_order_forces_a_sort() -> None:
    plan = build([Part(A, None)], region_orders=[["4", "1"]])
    assert plan.sort
    assert not build([Part(A, None)], region_orders=[["1", "4"]]).sort


def test_blocks_out_of_header_order_force_a_sort() -> None:
    scrambled = vcf("s.vcf.gz", "S1", "4,1")
    assert build([Part(scrambled, None)]).sort


def test_concat_members_sharing_a_contig_are_sorted_and_deduplicated() -> None:
    one, two = vcf("p.vcf.gz", "S1", "1,4"), vcf("q.vcf.gz", "S1", "4,7")
    plan = build([Part(one, None), Part(two, None)])
    assert plan.sort and plan.dedupe


def test_combinability_names_the_files() -> None:
    reordered = vcf("r.vcf.gz", "S2,S1,S3", "7")
    with pytest.raises(SampleSetError, match="identical elements but different order") as err:
        check_combinable([Part(A, None), Part(reordered, None)])
    assert "a.vcf.gz" in err.value.message and "r.vcf.gz" in err.value.message
    overlap = vcf("o.vcf.gz", "S3,Z9", "7")
    with pytest.raises(SampleSetError, match="partly overlapping"):
        check_combinable([Part(A, None), Part(overlap, None)])
    check_combinable(all_parts(DIMS))


def test_empty_selection_is_an_error() -> None:
    with pytest.raises(TaskError, match="No VCF file holds the selected samples"):
        build([])
