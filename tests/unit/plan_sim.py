"""An in-memory model of the bcftools runs a plan uses, to test the planner without bcftools.

Records are (contig, pos, id, alleles) sites with one haploid genotype per sample ('0', '1' or '.').
The model follows bcftools where the plan relies on it: `view -R` emits contigs in the regions file's
order and `-r` in its list order, `-S` subsets and orders columns, `merge`/`concat -a` read contigs in
`-R` order and pair records by alleles, `--rm-dups exact` drops only duplicates from another input, and
`sort` orders by the header's contigs. Only the options the property tests generate are modelled:
regions (`-R`), `-i 'POS>N'` (a site filter) and `-c 1` (a sample-dependent one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from divbase.core.contigs import Region
from divbase.core.dimensions import FileDims
from divbase.core.plan import RESULT, Plan, Step, source

Site = tuple[str, int, str, str]  # contig, pos, id, alleles


@dataclass(frozen=True)
class Table:
    """A VCF: header contigs, sample columns and records (site, genotypes) in file order."""

    header: tuple[str, ...]
    samples: tuple[str, ...]
    rows: tuple[tuple[Site, tuple[str, ...]], ...]
    origin: tuple[int, ...] = field(default=(), compare=False)  # input number of each row (for rm-dups)

    def dims(self, key: str) -> FileDims:
        scaffolds = tuple(dict.fromkeys(site[0] for site, _ in self.rows))
        return FileDims(key, "v1", 1, self.samples, scaffolds, self.header, len(self.rows))


def run(plan: Plan, inputs: Sequence[Table]) -> Table:
    """Interpret `plan` over `inputs` (one per part) and return the result table."""
    tables: dict[str, Table] = {source(i): t for i, t in enumerate(inputs)}
    if plan.copies_input:
        return inputs[0]
    for unit in plan.units:
        for step in unit.steps:
            tables[step.output] = _step(step, [tables[name] for name in step.inputs])
    for step in plan.combine:
        tables[step.output] = _step(step, [tables[name] for name in step.inputs])
    return tables[RESULT]


def _step(step: Step, inputs: list[Table]) -> Table:
    tool = step.argv[0]
    if tool == "view":
        return _view(step, inputs[0])
    if tool == "sort":
        rank = {c: n for n, c in enumerate(inputs[0].header)}
        rows = sorted(inputs[0].rows, key=lambda r: (rank[r[0][0]], r[0][1]))
        return Table(inputs[0].header, inputs[0].samples, tuple(rows))
    header = tuple(dict.fromkeys(c for t in inputs for c in t.header))
    if tool == "merge":
        return _merge(step, inputs, header)
    if "--allow-overlaps" in step.argv:
        return _concat_overlaps(step, inputs, header)
    assert len({t.samples for t in inputs}) == 1, "concat of different columns"
    rows = tuple(r for t in inputs for r in t.rows)
    return Table(header, inputs[0].samples, rows)


def _view(step: Step, table: Table) -> Table:
    args = list(step.argv[1:])
    rows = list(table.rows)
    assert "-r" not in args, "regions must reach bcftools as a regions file"
    if step.regions is not None:
        rows = [r for c in _contigs(step) for r in rows if r[0][0] == c and _inside(r[0], step.regions)]
    if "-i" in args:
        limit = int(args[args.index("-i") + 1].removeprefix("POS>"))
        rows = [r for r in rows if r[0][1] > limit]
    samples = table.samples
    if step.samples is not None:
        columns = [table.samples.index(s) for s in step.samples]
        rows = [(site, tuple(gts[c] for c in columns)) for site, gts in rows]
        samples = step.samples
    if "-c" in args:
        rows = [r for r in rows if "1" in r[1]]
    return Table(table.header, samples, tuple(rows))


def _contigs(step: Step) -> list[str]:
    assert step.regions is not None
    return list(dict.fromkeys(c for c, _, _ in step.regions))


def _inside(site: Site, regions: Sequence[Region]) -> bool:
    return any(site[0] == c and begin <= site[1] <= end for c, begin, end in regions)


def _by_contig(step: Step, inputs: list[Table]) -> list[tuple[str, list[list[tuple[Site, tuple[str, ...]]]]]]:
    """For each contig in `-R` order: each input's rows on it."""
    if step.regions is None:
        assert not any(t.rows for t in inputs), f"{step.argv} reads records through the index without -R"
        return []
    return [(c, [[r for r in t.rows if r[0][0] == c] for t in inputs]) for c in _contigs(step)]


def _concat_overlaps(step: Step, inputs: list[Table], header: tuple[str, ...]) -> Table:
    assert len({t.samples for t in inputs}) == 1
    rows: list[tuple[Site, tuple[str, ...]]] = []
    for _, per_input in _by_contig(step, inputs):
        tagged = sorted(
            ((row[0][1], n, k, row) for n, part in enumerate(per_input) for k, row in enumerate(part)),
            key=lambda x: (x[0], x[1], x[2]),
        )
        seen: dict[tuple[str, int, str], int] = {}
        for _pos, n, _k, row in tagged:
            exact = (row[0][0], row[0][1], row[0][3])
            if "--rm-dups" in step.argv and seen.get(exact, n) != n:
                continue
            seen.setdefault(exact, n)
            rows.append(row)
    return Table(header, inputs[0].samples, tuple(rows))


def _merge(step: Step, inputs: list[Table], header: tuple[str, ...]) -> Table:
    samples = tuple(s for t in inputs for s in t.samples)
    assert len(set(samples)) == len(samples), "merge of overlapping sample sets"
    rows: list[tuple[Site, tuple[str, ...]]] = []
    for _, per_input in _by_contig(step, inputs):
        for pos in sorted({r[0][1] for part in per_input for r in part}):
            pending = [[r for r in part if r[0][1] == pos] for part in per_input]
            while any(pending):
                first = next(p[0] for p in pending if p)
                gts: list[str] = []
                for n, part in enumerate(pending):
                    match = next((r for r in part if r[0][3] == first[0][3]), None)
                    if match is not None:
                        part.remove(match)
                    gts += list(match[1]) if match else ["."] * len(inputs[n].samples)
                rows.append((first[0], tuple(gts)))
    return Table(header, samples, tuple(rows))
