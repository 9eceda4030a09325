"""Planner properties over random bucket layouts, run on the in-memory bcftools model (no bcftools).

A random VCF is split exactly into files (by contig runs, by sample groups, both; header contig and
sample orders shuffled; blocks scrambled; a file possibly stored twice). For any selection and command,
the result must hold every selected record exactly once, with the selected samples' genotypes, in the
output header's contig order, and be the same for every number of jobs.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from divbase.core.command import parse_command
from divbase.core.contigs import declared
from divbase.core.dimensions import FileDims
from divbase.core.plan import Plan, all_parts, build, copy_candidates, parts_for_samples
from divbase.core.regions import prune_by_region
from tests.strategies import partitions
from tests.unit import plan_sim
from tests.unit.plan_sim import Site, Table

CONTIGS = ["chr1", "HLA-A*01:01:01:01", "c:2", "x", "chr10"]
SAMPLES = ["S1", "^S2", "a:b", "007", "S5", "s6"]
ALLELES = ["A>C", "A>G", "A>AT"]
Row = tuple[Site, dict[str, str]]


@st.composite
def truths(draw: st.DrawFn) -> tuple[list[str], list[str], list[Row]]:
    contigs = draw(st.lists(st.sampled_from(CONTIGS), min_size=1, max_size=4, unique=True))
    samples = draw(st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=5, unique=True))
    rows: list[Row] = []
    for contig in contigs:
        for pos in sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=4))):
            alleles = draw(st.lists(st.sampled_from(ALLELES), min_size=1, max_size=3))  # repeats: two ids
            for k, allele in enumerate(alleles):
                gts = {s: draw(st.sampled_from("01.")) for s in samples}
                rows.append(((contig, pos, f"{contig}_{pos}_{k}", allele), gts))
    return contigs, samples, rows


@st.composite
def buckets(draw: st.DrawFn) -> tuple[list[str], list[str], list[Row], list[Table]]:
    contigs, samples, rows = draw(truths())
    tables = []
    for group in draw(partitions(samples)):
        for own in draw(partitions(contigs)):
            header = draw(st.permutations(contigs if draw(st.booleans()) else own))
            columns = tuple(draw(st.permutations(group)))
            blocks = draw(st.permutations(own))
            body = [(site, tuple(g[s] for s in columns)) for c in blocks for site, g in rows if site[0] == c]
            tables.append(Table(tuple(header), columns, tuple(body)))
    if draw(st.booleans()):
        tables.append(draw(st.sampled_from(tables)))  # the same file stored under two keys
    return contigs, samples, rows, draw(st.permutations(tables))


def region(contig: str) -> str:
    return f"{{{contig}}}" if ":" in contig else contig


def commands(contigs: list[str]) -> st.SearchStrategy[str]:
    first, last = region(contigs[0]), region(contigs[-1])
    return st.sampled_from(
        [
            "view -s",
            "view -s -i 'POS>5'",
            "view -s -c 1",
            "view -i 'POS>3'; view -s -c 1",
            f"view -s -r {last},{first}",
            f"view -s -r {first} -c 1",
        ]
    )


def expected(rows: list[Row], samples: tuple[str, ...], command: str, contigs: list[str]) -> Counter[object]:
    """What bcftools would give on the unsplit VCF: `view -s SEL [site filters] | view [-c 1]`."""
    wanted = set(contigs)
    if "-r" in command:
        value = command.split("-r ", 1)[1].split(" ")[0]
        wanted = {c.strip("{}") for c in value.split(",")}
    limit = 5 if "POS>5" in command else 3 if "POS>3" in command else 0
    out: Counter[object] = Counter()
    for site, gts in rows:
        subset = tuple(gts[s] for s in samples)
        if site[0] in wanted and site[1] > limit and ("-c 1" not in command or "1" in subset):
            out[(site[0], site[1], site[3], subset)] += 1
    return out


def result_of(tables: list[Table], selection: list[str] | None, command: str, jobs: int) -> tuple[Plan, Table]:
    keys = [f"k{n:02d}.vcf.gz" for n in range(len(tables))]
    files = [t.dims(k) for t, k in zip(tables, keys, strict=True)]
    parts = all_parts(files) if selection is None else parts_for_samples(files, selection)
    parsed = parse_command(command, all_samples=selection is None)
    parts, _warnings = prune_by_region(parts, parsed)
    plan = build(parts, parsed, jobs, copy_candidates(parts, parsed))
    by_key = dict(zip(keys, tables, strict=True))
    inputs = [_declared(by_key[p.file.key], p.file) for p in plan.parts]
    return plan, plan_sim.run(plan, inputs)


def _declared(table: Table, dims: FileDims) -> Table:
    return Table(declared(dims), table.samples, table.rows)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), bucket=buckets())
def test_every_selected_record_once_in_header_order_for_any_jobs(data: st.DataObject, bucket: tuple) -> None:
    contigs, samples, rows, tables = bucket
    selection = data.draw(st.none() | st.lists(st.sampled_from(samples), min_size=1, unique=True))
    command = data.draw(commands(contigs))
    if selection is None:
        command = command.replace("view -s", "view").replace("view;", "view -i 'POS>5';")
        command = "view -i 'POS>5'" if command == "view" else command
    results = [result_of(tables, selection, command, jobs) for jobs in (1, 2, 8)]
    plan, table = results[0]
    assert all(t == table for _, t in results), "the result depends on --jobs"
    assert table.header == plan.contigs
    assert sorted(table.samples) == sorted(selection or samples)
    got = Counter((s[0], s[1], s[3], g) for s, g in table.rows)
    assert got == expected(rows, table.samples, command, contigs)
    rank = {c: n for n, c in enumerate(table.header)}
    keys = [(rank[s[0]], s[1]) for s, _ in table.rows]
    assert keys == sorted(keys), "records out of the header's contig order"
