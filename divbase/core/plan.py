"""Plan a bcftools-pipe query: which files, which samples per file, how to combine, whether to sort.

The plan reproduces the upstream pipeline's records exactly (files in key order, samples in header
order, concat of identical sample sets, merge of disjoint ones, then a full sort), but proves when the
sort is unnecessary and orders concat inputs by contig instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from divbase.core.dimensions import Dimensions, FileDims
from divbase.core.errors import SampleSetError, TaskError


@dataclass(frozen=True)
class Part:
    """One input file and the samples taken from it (None: every sample, no -s injected)."""

    file: FileDims
    samples: tuple[str, ...] | None

    @property
    def out_samples(self) -> tuple[str, ...]:
        return self.file.samples if self.samples is None else self.samples

    @property
    def whole_file(self) -> bool:
        return self.samples is None or self.samples == self.file.samples


@dataclass(frozen=True)
class Plan:
    """Parts in processing order and how they combine.

    `groups` lists indices into `parts`: each group is concatenated (members in the listed order), then
    the groups are merged in the listed order. `sort` says a final sort is needed; `dedupe` that concat
    members share contigs, so exact duplicate records are removed after sorting.
    """

    parts: tuple[Part, ...]
    groups: tuple[tuple[int, ...], ...]
    sort: bool
    dedupe: bool

    @property
    def merge(self) -> bool:
        return len(self.groups) > 1


def parts_for_samples(dims: Dimensions, samples: Sequence[str]) -> list[Part]:
    """Files (key order) holding any of `samples`, each with its selected samples in header order."""
    wanted = set(samples)
    parts = []
    for f in dims.files:
        chosen = tuple(s for s in f.samples if s in wanted)
        if chosen:
            parts.append(Part(f, chosen))
    return parts


def unknown_samples(dims: Dimensions, samples: Sequence[str]) -> list[str]:
    known = {s for f in dims.files for s in f.samples}
    return [s for s in dict.fromkeys(samples) if s not in known]


def all_parts(dims: Dimensions) -> list[Part]:
    return [Part(f, None) for f in dims.files]


def prune_by_region(parts: list[Part], scaffolds: Sequence[str] | None) -> list[Part]:
    """Keep the files that hold at least one scaffold named by `-r` (all files when there is no `-r`)."""
    if scaffolds is None:
        return parts
    wanted = set(scaffolds)
    kept = [p for p in parts if wanted.intersection(p.file.scaffolds)]
    if not kept:
        raise TaskError(
            "Based on the 'view -r' query and the VCF scaffolds indexed in divbase, there are no VCF files "
            "in the project that fulfill the query.",
            "Try another -r query with scaffolds/chromosomes present in the files. "
            "List them with 'divbase dimensions show --unique-scaffolds'.",
        )
    return kept


def check_combinable(parts: Sequence[Part]) -> None:
    """Refuse, before any bcftools work, files whose sample sets clash (reordered or partly shared)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for p in parts:
        groups.setdefault(p.file.samples, []).append(p.file.key)
    reordered: list[str] = []
    overlapping: list[str] = []
    tuples = list(groups)
    for i, a in enumerate(tuples):
        for b in tuples[i + 1 :]:
            common = set(a) & set(b)
            if not common:
                continue
            pair = f"{', '.join(groups[a])} ({len(a)} samples) vs {', '.join(groups[b])} ({len(b)} samples)"
            (reordered if set(a) == set(b) else overlapping).append(pair)
    sections = []
    if reordered:
        sections.append("Sample sets with identical elements but different order:\n" + "\n".join(reordered))
    if overlapping:
        sections.append("Sample sets that are partly overlapping:\n" + "\n".join(overlapping))
    if sections:
        raise SampleSetError(
            "The selected VCF files cannot be combined.\n" + "\n\n".join(sections),
            "Files with the same samples must list them in the same order; files with different samples "
            "must not share any. Fix the files (e.g. 'bcftools view -s' to reorder) or narrow the query.",
        )


def build(parts: Sequence[Part], region_orders: Sequence[Sequence[str]] = ()) -> Plan:
    """Group parts (identical output sample tuples concat, groups merge) and decide whether to sort.

    `region_orders` are the contig lists of each `-r` in the command, in segment order: bcftools emits
    records of an indexed region query in the order of its region list, so they reorder a part's output.
    """
    if not parts:
        raise TaskError("No VCF file holds the selected samples.", "Check the sample ids or the filter.")
    by_samples: dict[tuple[str, ...], list[int]] = {}
    for i, p in enumerate(parts):
        by_samples.setdefault(p.out_samples, []).append(i)
    ranks = _contig_ranks(parts, list(by_samples.values()))
    orders = [_output_contigs(p.file, region_orders) for p in parts]
    sort, dedupe = False, False
    groups = []
    for members in by_samples.values():
        members.sort(key=lambda i: ranks.get(orders[i][0], len(ranks)) if orders[i] else -1)
        contigs = [c for i in members for c in orders[i]]
        dedupe = dedupe or len(contigs) != len(set(contigs))
        sort = sort or not _increasing(contigs, ranks)
        groups.append(tuple(members))
    return Plan(parts=tuple(parts), groups=tuple(groups), sort=sort or dedupe, dedupe=dedupe)


def _contig_ranks(parts: Sequence[Part], groups: list[list[int]]) -> dict[str, int]:
    """Contig order of the combined header: the union of input headers in processing (key) order."""
    names: dict[str, None] = {}
    for members in groups:
        for i in members:
            names.update(dict.fromkeys(parts[i].file.header_contigs))
            names.update(dict.fromkeys(parts[i].file.scaffolds))
    return {name: rank for rank, name in enumerate(names)}


def _output_contigs(f: FileDims, region_orders: Sequence[Sequence[str]]) -> list[str]:
    order = list(f.scaffolds)
    for regions in region_orders:
        present = set(order)
        order = [c for c in dict.fromkeys(regions) if c in present]
    return order


def _increasing(contigs: list[str], ranks: dict[str, int]) -> bool:
    positions = [ranks[c] for c in contigs]
    return all(a < b for a, b in pairwise(positions))
