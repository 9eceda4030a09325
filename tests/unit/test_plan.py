"""The query planner: parts, grouping, staging, order and the shape of the plan (no bcftools)."""

from __future__ import annotations

import pytest

from divbase.core.command import parse_command
from divbase.core.contigs import WHOLE_CONTIG_END as END
from divbase.core.contigs import parse_regions, region_contig, regions_file, whole
from divbase.core.dimensions import FileDims
from divbase.core.errors import CommandRejected, SampleSetError, TaskError
from divbase.core.plan import RESULT, Part, Plan, all_parts, build, copy_candidates, parts_for_samples, unknown_samples
from divbase.core.regions import prune_by_region
from divbase.core.semantics import expression_is_site_only, stage

CONTIGS = ("1", "4", "7", "20", "21")


def vcf(key: str, samples: str, scaffolds: str, header: tuple[str, ...] = CONTIGS) -> FileDims:
    return FileDims(key, "v", 1, tuple(samples.split(",")), tuple(scaffolds.split(",")), header, 1)


A = vcf("a.vcf.gz", "S1,S2,S3", "1,4")
B = vcf("b.vcf.gz", "S1,S2,S3", "20,21")
C = vcf("c.vcf.gz", "T1,T2", "1,4,7,20,21")
FILES = (A, B, C)


def plan_for(parts: list[Part], command: str = "view -s", jobs: int = 1) -> Plan:
    parsed = parse_command(command, all_samples=parts[0].samples is None)
    return build(parts, parsed, jobs, copy_candidates(parts, parsed))


def tools(plan: Plan) -> list[tuple[str, ...]]:
    return [s.argv for s in plan.combine]


def test_parts_follow_key_order_and_header_order() -> None:
    parts = parts_for_samples(FILES, ["T2", "S3", "S1"])
    assert [(p.file.key, p.samples) for p in parts] == [
        ("a.vcf.gz", ("S1", "S3")),
        ("b.vcf.gz", ("S1", "S3")),
        ("c.vcf.gz", ("T2",)),
    ]
    assert unknown_samples(FILES, ["S1", "nobody", "nobody"]) == ["nobody"]


def test_region_pruning_keeps_files_with_a_named_contig_and_warns_about_absent_ones() -> None:
    parts = all_parts(FILES)
    kept, warnings = prune_by_region(parts, parse_command("view -r 20:1-5,99"))
    assert [p.file.key for p in kept] == ["b.vcf.gz", "c.vcf.gz"]
    assert len(warnings) == 1 and "'99'" in warnings[0]
    assert prune_by_region(parts, parse_command("view -v snps")) == (parts, [])
    everything, warnings = prune_by_region(parts, parse_command("view -r 99"))
    assert everything == parts and warnings  # an empty result with the samples' columns, and why


@pytest.mark.parametrize(
    ("item", "contig"),
    [
        ("chr1", "chr1"),
        ("chr1:100-200", "chr1"),
        ("chr1:100", "chr1"),
        ("{HLA-A*01:01}:1-5", "HLA-A*01:01"),
        ("HLA-A*01:01", "HLA-A*01:01"),
        ("chrUn:abc", "chrUn:abc"),
    ],
)
def test_region_items_name_the_contig_bcftools_reads(item: str, contig: str) -> None:
    assert region_contig(item, ["HLA-A*01:01"]) == contig


def test_regions_go_in_a_tab_separated_regions_file() -> None:
    regions = parse_regions("{HLA-A*01:01}:5-9,c1,c1:7,c1:8-", ["HLA-A*01:01"])
    assert regions == (("HLA-A*01:01", 5, 9), ("c1", 1, END), ("c1", 7, 7), ("c1", 8, END))
    assert regions_file(whole(["HLA-A*01:01", "c1"])) == f"HLA-A*01:01\t1\t{END}\nc1\t1\t{END}\n"


def test_user_regions_reach_bcftools_as_data_not_text() -> None:
    odd = vcf("o.vcf.gz", "S1", "c:1,c3", ("c:1", "c3"))
    (step,) = plan_for([Part(odd, ("S1",))], "view -s -r '{c:1}:2-3' -v snps").units[0].steps
    assert step.argv == ("view", "-v", "snps") and step.regions == (("c:1", 2, 3),)


@pytest.mark.parametrize(
    "expression",
    ["QUAL>30", 'FILTER="PASS"', 'FILTER~"q10"', "INFO/MQ>30 && POS<1e5", 'TYPE="snp"', "%QUAL>=10", "ILEN>2"],
)
def test_site_only_expressions(expression: str) -> None:
    assert expression_is_site_only(expression)


@pytest.mark.parametrize(
    "expression",
    ['GT="het"', "FMT/DP>10", "FORMAT/GQ>20", "AC>2", "INFO/AF>0.1", 'N_PASS(GT="alt")>1', "DP>10", "MAF>0.05"],
)
def test_sample_dependent_expressions(expression: str) -> None:
    assert not expression_is_site_only(expression)


def test_staging_keeps_selection_per_file_and_moves_sample_dependent_options_after() -> None:
    stages = stage(parse_command("view -v snps; view -s -r 1 -q 0.05:minor -m 2; view -i 'QUAL>3'"), True)
    assert [(v.args, v.select) for v in stages.per_file] == [(("-v", "snps"), False), (("-r", "1"), True)]
    assert [v.args for v in stages.after] == [("-q", "0.05:minor", "-m", "2"), ("-i", "QUAL>3")]


def test_sample_dependent_filters_run_once_after_the_merge() -> None:
    plan = plan_for(parts_for_samples(FILES, ["S1", "T1"]), "view -s -g het -v snps")
    *_, merge, after = plan.combine
    assert merge.argv == ("merge",) and merge.regions == whole(CONTIGS) and merge.output == "merged"
    assert after.argv == ("view", "-g", "het", "-v", "snps") and after.output == RESULT
    assert all("-g" not in step.argv for unit in plan.units for step in unit.steps)


def test_concat_only_plans_filter_per_file() -> None:
    plan = plan_for(parts_for_samples(FILES, ["S1"]), "view -s -c 1")
    assert tools(plan) == [("concat",)]
    assert all(unit.steps[-1].argv[:3] == ("view", "-c", "1") for unit in plan.units)


def test_private_sites_have_no_meaning_across_sample_sets() -> None:
    with pytest.raises(CommandRejected, match="compares the selected samples"):
        plan_for(parts_for_samples(FILES, ["S1", "T1"]), "view -s -x")
    plan_for(parts_for_samples(FILES, ["S1"]), "view -s -x")


def test_overlapping_files_of_one_sample_set_drop_only_cross_file_duplicates() -> None:
    one, two = vcf("p.vcf.gz", "S1", "1,4"), vcf("q.vcf.gz", "S1", "4,7")
    plan = plan_for([Part(one, None), Part(two, None), Part(C, None)], "view -v snps")
    concat, merge = plan.combine
    assert concat.argv == ("concat", "--allow-overlaps", "--rm-dups", "exact") and concat.index
    assert merge.argv == ("merge",) and concat.output in merge.inputs
    assert "sort" not in {s.argv[0] for s in plan.combine}


def test_concat_inputs_are_reordered_by_contig_instead_of_sorting() -> None:
    late, early = vcf("x.vcf.gz", "S1", "20"), vcf("y.vcf.gz", "S1", "1")
    plan = plan_for([Part(late, None), Part(early, None)], "view -v snps")
    assert plan.combine[0].argv == ("concat",)
    assert plan.combine[0].inputs == ("part1", "part0")


def test_scrambled_blocks_are_read_in_header_order_not_sorted() -> None:
    scrambled = vcf("s.vcf.gz", "S1", "4,1")
    plan = plan_for([Part(scrambled, None)], "view -v snps")
    assert not plan.combine and plan.units[0].steps[0].regions == whole(["1", "4"])


def test_a_region_list_out_of_header_order_on_one_file_is_sorted() -> None:
    plan = plan_for([Part(A, None)], "view -r 4,1")
    assert tools(plan) == [("sort",)]
    assert tools(plan_for([Part(A, None)], "view -r 1,4")) == []


def test_spare_cpus_split_a_file_into_contig_runs_passed_as_regions() -> None:
    odd = vcf("o.vcf.gz", "S1", "c:1,HLA-A*01:01,c3", ("HLA-A*01:01", "c:1", "c3"))
    plan = plan_for([Part(odd, ("S1",))], "view -s -g het", jobs=3)
    runs = [unit.steps[0].regions for unit in plan.units]
    assert runs == [whole(["HLA-A*01:01"]), whole(["c:1"]), whole(["c3"])]
    assert all("-r" not in step.argv for unit in plan.units for step in unit.steps)
    assert all(unit.steps[-1].argv[:3] == ("view", "-g", "het") for unit in plan.units)
    assert tools(plan) == [("concat", "--naive")]


def test_samples_go_to_bcftools_as_a_list_never_as_text() -> None:
    odd = vcf("o.vcf.gz", "^S1,S2", "1")
    plan = plan_for([Part(odd, ("^S1",))])
    (step,) = plan.units[0].steps
    assert step.samples == ("^S1",) and not any("S1" in a for a in step.argv)


def test_same_samples_in_another_order_share_one_column_order() -> None:
    first, second = vcf("a.vcf.gz", "S1,S2", "1"), vcf("b.vcf.gz", "S2,S1", "4")
    plan = plan_for([Part(first, None), Part(second, None)], "view -v snps")
    assert plan.samples == ("S1", "S2")
    assert [u.steps[0].samples for u in plan.units] == [None, ("S1", "S2")]


def test_contigs_without_a_header_line_join_the_output_order() -> None:
    undeclared = vcf("u.vcf.gz", "S1", "1,9", ("1", "4"))
    plan = plan_for([Part(undeclared, None), Part(C, None)], "view -v snps")
    assert plan.contigs == ("1", "4", "9", "7", "20", "21")


def test_partly_overlapping_selections_are_refused_with_the_files() -> None:
    overlap = vcf("o.vcf.gz", "S3,Z9", "7")
    with pytest.raises(SampleSetError, match="partly overlapping") as err:
        plan_for([Part(A, None), Part(overlap, None)], "view -v snps")
    assert "a.vcf.gz" in err.value.message and "o.vcf.gz" in err.value.message


def test_whole_file_selection_passes_through() -> None:
    plan = plan_for([Part(A, ("S1", "S2", "S3"))])
    assert plan.copies_input


def test_empty_selection_is_an_error() -> None:
    with pytest.raises(TaskError, match="No VCF file holds the selected samples"):
        build([], parse_command("view -s"))
