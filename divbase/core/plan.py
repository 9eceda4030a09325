"""Plan a bcftools-pipe query as data: units of work per input, combine steps, the post-combine runs.

The plan is complete and executable: an executor (a local process pool today, Celery units on the
server) only interprets it. Guarantees, whatever the bucket layout and the number of jobs:

- Samples: files in key order, samples in header order; files holding the same sample set (in any
  header order) are concatenated with one explicit column order, files of disjoint sets merged.
- Semantics: sample-dependent options run on the selected samples together (`divbase.core.semantics`);
  in a plan that merges different sample sets they run once, after the merge.
- Order: the output header lists the union of the inputs' contigs (groups in first-seen order, files in
  key order within a group, each file's ##contig lines then contigs it has records for but does not
  declare), and records follow it. Combine steps read their inputs through the index in that order
  (`merge -R`, `concat -a -R`), so no input order and no `--jobs` can change the result; a single file is
  read in that order too, and sorted only when the user's own `-r` list asks for another order.
- Identity: exact duplicates that come from different overlapping files of one sample set are removed
  (`concat -a --rm-dups exact`); distinct records of one file are never dropped.

Regions (the user's `-r` too) are passed as regions files and samples as samples files: no `name:start-end`
or `-s` text is built from names, so no contig name or sample id can be misread. Pure: no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from divbase.core import contigs as ctg
from divbase.core.command import Command
from divbase.core.dimensions import FileDims
from divbase.core.errors import SampleSetError, TaskError
from divbase.core.semantics import Stages, View, check_mergeable, stage

RESULT = "result"
"""The artifact name of the final result: a bgzipped VCF, indexed by the executor."""


def source(i: int) -> str:
    """The artifact name of input object `i` (its content unchanged)."""
    return f"in{i}"


@dataclass(frozen=True)
class PlanInput:
    """Where an executor finds input `i` of a plan: the object's local content and its CSI index."""

    path: Path
    index: Path


@dataclass(frozen=True)
class Part:
    """One input file and the samples taken from it (None: every sample)."""

    file: FileDims
    samples: tuple[str, ...] | None

    @property
    def out_samples(self) -> tuple[str, ...]:
        return self.file.samples if self.samples is None else self.samples


@dataclass(frozen=True)
class Step:
    """One bcftools run. `argv` is the subcommand and its options; the executor adds the inputs, the
    output (`-O fmt -o <artifact>`), `-S <file>` for `samples`, `-R <file>` for `regions` (read in this
    order; the user's `-r` arrives here too), compression threads for combine steps, and indexes the
    output when `index`."""

    output: str
    argv: tuple[str, ...]
    inputs: tuple[str, ...]
    fmt: str = "u"  # z: bgzipped VCF, b: BCF (fast level), u: uncompressed BCF
    index: bool = False
    samples: tuple[str, ...] | None = None
    regions: tuple[ctg.Region, ...] | None = None


@dataclass(frozen=True)
class Unit:
    """Independent work on one input (a whole file or a run of its contigs). No steps: the input passes
    through unchanged."""

    part: int
    steps: tuple[Step, ...]

    @property
    def output(self) -> str:
        return self.steps[-1].output if self.steps else source(self.part)


@dataclass(frozen=True)
class Plan:
    parts: tuple[Part, ...]
    units: tuple[Unit, ...]
    """Run in any order, in parallel."""
    combine: tuple[Step, ...]
    """Then these, in order: joins, concatenations, the merge, post-merge runs, a sort if needed."""
    contigs: tuple[str, ...]
    """The output header's contig order; records follow it."""
    samples: tuple[str, ...]
    """The output's sample columns."""

    @property
    def copies_input(self) -> bool:
        """The result is an input object unchanged."""
        return not self.combine and len(self.units) == 1 and not self.units[0].steps


@dataclass(frozen=True)
class _Group:
    samples: tuple[str, ...]
    members: tuple[int, ...]


def parts_for_samples(files: Sequence[FileDims], samples: Sequence[str]) -> list[Part]:
    """Files (key order) holding any of `samples`, each with its selected samples in header order."""
    wanted = set(samples)
    parts = []
    for f in files:
        chosen = tuple(s for s in f.samples if s in wanted)
        if chosen:
            parts.append(Part(f, chosen))
    return parts


def unknown_samples(files: Sequence[FileDims], samples: Sequence[str]) -> list[str]:
    known = {s for f in files for s in f.samples}
    return [s for s in dict.fromkeys(samples) if s not in known]


def all_parts(files: Sequence[FileDims]) -> list[Part]:
    return [Part(f, None) for f in files]


def copy_candidates(parts: Sequence[Part], command: Command) -> list[str]:
    """Keys of files the plan may pass through unchanged (the caller checks their record lines)."""
    stages = stage(command, True)
    if any(v.changes_records for v in stages.per_file + stages.after):
        return []
    return [p.file.key for p in parts if p.samples is None or p.samples == p.file.samples]


def build(parts: Sequence[Part], command: Command, jobs: int = 1, copyable: Collection[str] = ()) -> Plan:
    """The executable plan for `command` over `parts` (key order).

    `copyable`: keys whose record lines match their header (from `copy_candidates`); only those may pass
    through unchanged, so bcftools reports a broken file as it would upstream."""
    if not parts:
        raise TaskError("No VCF file holds the selected samples.", "Check the sample ids or the filter.")
    groups = _groups(parts)
    stages = stage(command, True)
    if len(groups) > 1:
        check_mergeable(stages)
    else:
        stages = Stages(stages.per_file + stages.after, ())
    order = ctg.union(ctg.declared(parts[i].file) for g in groups for i in g.members)
    builder = _Builder(tuple(parts), groups, stages, order, max(1, jobs), frozenset(copyable))
    return builder.plan()


def _groups(parts: Sequence[Part]) -> list[_Group]:
    """Parts by sample set (first-seen order); the first file's header order is the group's column order."""
    by_set: dict[frozenset[str], list[int]] = {}
    for i, p in enumerate(parts):
        by_set.setdefault(frozenset(p.out_samples), []).append(i)
    _refuse_partial_overlaps(parts, list(by_set.items()))
    return [_Group(parts[m[0]].out_samples, tuple(m)) for m in by_set.values()]


def _refuse_partial_overlaps(parts: Sequence[Part], sets: list[tuple[frozenset[str], list[int]]]) -> None:
    """Selections that share samples must be equal and come from files of one sample set (any order):
    otherwise a sample would have calls from files that disagree on who else is in them."""
    clashes = []
    for n, (a, first) in enumerate(sets):
        for b, second in sets[n + 1 :]:
            if shared := a & b:
                names = ", ".join(sorted(shared)[:5]) + (" ..." if len(shared) > 5 else "")
                left = ", ".join(parts[i].file.key for i in first)
                right = ", ".join(parts[i].file.key for i in second)
                clashes.append(f"{left} ({len(a)} samples) vs {right} ({len(b)} samples): both hold {names}")
    for _, members in sets:
        full = {frozenset(parts[i].file.samples): parts[i].file.key for i in members}
        if len(full) > 1:
            keys = ", ".join(full.values())
            clashes.append(f"{keys}: the selected samples come with different other samples in each file")
    if clashes:
        raise SampleSetError(
            "The selected VCF files cannot be combined.\nSample sets that are partly overlapping:\n"
            + "\n".join(clashes),
            "Select samples held by one set of files with the same samples (in any order), or by disjoint "
            "files; or fix the files so that each sample is in one sample set.",
        )


class _Builder:
    """Builds units and combine steps; one instance per plan."""

    def __init__(
        self,
        parts: tuple[Part, ...],
        groups: list[_Group],
        stages: Stages,
        order: tuple[str, ...],
        jobs: int,
        copyable: frozenset[str],
    ) -> None:
        self.parts, self.groups, self.stages, self.order = parts, groups, stages, order
        self.rank = ctg.ranks(order)
        self.jobs, self.copyable = jobs, copyable
        self.known = set(order)
        self.units: list[Unit] = []
        self.steps: list[Step] = []

    def plan(self) -> Plan:
        merge = len(self.groups) > 1
        outputs = [self._group(n, g, None if merge else RESULT) for n, g in enumerate(self.groups)]
        if merge:
            self._merge(outputs)
        samples = tuple(s for g in self.groups for s in g.samples)
        return Plan(self.parts, tuple(self.units), tuple(self.steps), self.order, samples)

    @property
    def _all_regions(self) -> tuple[ctg.Region, ...] | None:
        """Whole contigs some input has records for, in output order (what a combine step reads); None
        when no input has records (bcftools refuses an empty regions file)."""
        held = {c for p in self.parts for c in p.file.scaffolds}
        return ctg.whole(c for c in self.order if c in held) or None

    def _merge(self, outputs: list[str]) -> None:
        after = self.stages.after
        out = "merged" if after else RESULT
        self.steps.append(Step(out, ("merge",), tuple(outputs), "u" if after else "z", regions=self._all_regions))
        current = "merged"
        for n, view in enumerate(after):
            last = n == len(after) - 1
            out = RESULT if last else f"after{n}"
            self.steps.append(Step(out, ("view", *view.args), (current,), "z" if last else "u"))
            current = out

    def _group(self, n: int, group: _Group, target: str | None) -> str:
        """Units for the group's members and the steps that concatenate them; returns the group output.
        `target`: RESULT when the group is the whole result, None when it feeds the merge."""
        members = group.members
        if len(members) == 1:
            return self._part(members[0], group.samples, target or "indexed", target)
        plain = self._plain_concat_order(members, group.samples)
        kind = "concat" if plain is not None else "indexed"
        outs = [self._part(i, group.samples, kind, None) for i in (plain or members)]
        name = target or f"group{n}"
        fmt, index = ("z", False) if target else ("b", True)
        if plain is not None:
            self.steps.append(Step(name, ("concat",), tuple(outs), fmt, index))
            return name
        shared = self._shared_contigs(members)
        argv = ("concat", "--allow-overlaps", *(("--rm-dups", "exact") if shared else ()))
        self.steps.append(Step(name, argv, tuple(outs), fmt, index, regions=self._all_regions))
        return name

    def _plain_concat_order(self, members: tuple[int, ...], samples: tuple[str, ...]) -> tuple[int, ...] | None:
        """Members in an order whose plain concatenation is in output order, or None (then they are read
        through the index). Reordering keeps the header when every member declares the same contigs."""
        if self._shared_contigs(members):
            return None
        orders = {i: self._output_order(i, samples, reorder=True) for i in members}
        if any(not ctg.in_order(orders[i], self.rank) for i in members):
            return None
        chosen = members
        if len({ctg.declared(self.parts[i].file) for i in members}) == 1:
            chosen = tuple(sorted(members, key=lambda i: self.rank[orders[i][0]] if orders[i] else -1))
        flat = [c for i in chosen for c in orders[i]]
        return chosen if ctg.in_order(flat, self.rank) else None

    def _shared_contigs(self, members: tuple[int, ...]) -> bool:
        seen: set[str] = set()
        for i in members:
            contigs = set(self.parts[i].file.scaffolds)
            if seen & contigs:
                return True
            seen |= contigs
        return False

    def _views(self, i: int, samples: tuple[str, ...]) -> list[View]:
        """The per-file runs for part `i`, with the samples where they go; no-op runs dropped."""
        select = self.parts[i].samples is not None or self.parts[i].file.samples != samples
        views = [View(v.args, v.select and select) for v in self.stages.per_file]
        return [v for v in views if v.args or v.select]

    def _output_order(self, i: int, samples: tuple[str, ...], reorder: bool) -> list[str]:
        """The contigs of part `i`'s output, in output order (`reorder`: read it in the plan's order when
        the user's regions allow)."""
        f = self.parts[i].file
        views = self._views(i, samples)
        order = list(f.scaffolds)
        if reorder and not (views and views[0].regions):
            order.sort(key=self.rank.__getitem__)
        for view in views:
            if view.regions:
                present = set(order)
                wanted = ctg.region_contigs(view.args[view.args.index("-r") + 1], self.known)
                order = [c for c in wanted if c in present]
        return order

    def _part(self, i: int, samples: tuple[str, ...], consumer: str, target: str | None) -> str:
        """Units for part `i`; returns its output artifact. `consumer`: 'indexed' (read through its index:
        any contig order), 'concat' (plain concatenation: must be in output order, bgzipped) or RESULT."""
        f = self.parts[i].file
        views = self._views(i, samples)
        needs_order = consumer != "indexed"
        file_ordered = ctg.in_order(list(f.scaffolds), self.rank)
        whole = samples == f.samples and not any(v.args for v in views)
        if whole and f.key in self.copyable and (file_ordered or not needs_order):
            self.units.append(Unit(i, ()))
            return source(i)
        can_read_in_order = not (views and views[0].regions)
        runs = self._contig_runs(f) if can_read_in_order else [None]
        if can_read_in_order and len(runs) == 1 and (not needs_order or file_ordered):
            runs = [None]  # the file is read as it lies
        fmt, index = ("b", True) if consumer == "indexed" else ("z", False)
        if len(runs) == 1:
            out = target or f"part{i}"
            if consumer == RESULT and not ctg.in_order(self._output_order(i, samples, True), self.rank):
                self.units.append(Unit(i, self._chain(i, out, views, samples, None, "unsorted", "u", False)))
                self.steps.append(Step(out, ("sort",), ("unsorted",), "z"))
                return out
            quiet = consumer == "concat"
            self.units.append(Unit(i, self._chain(i, f"part{i}", views, samples, runs[0], out, fmt, index, quiet)))
            return out
        chunks = []
        for c, run in enumerate(runs):
            chain = self._chain(i, f"part{i}_{c}", views, samples, run, f"part{i}_{c}", "z", False, quiet=True)
            self.units.append(Unit(i, chain))
            chunks.append(chain[-1].output)
        out = target or f"part{i}"
        self.steps.append(Step(out, ("concat", "--naive"), tuple(chunks), "z", index))
        return out

    def _contig_runs(self, f: FileDims) -> list[tuple[str, ...] | None]:
        """The file's contigs in output order, split into contiguous runs for spare CPUs (one run: all)."""
        contigs = sorted(f.scaffolds, key=self.rank.__getitem__)
        spare = self.jobs // max(1, len(self.parts))
        count = min(spare, len(contigs)) if spare >= 2 else 1
        if count <= 1:
            return [tuple(contigs)]
        bounds = [round(k * len(contigs) / count) for k in range(count + 1)]
        return [tuple(contigs[a:b]) for a, b in itertools.pairwise(bounds)]

    def _chain(
        self,
        i: int,
        name: str,
        views: list[View],
        samples: tuple[str, ...],
        run: tuple[str, ...] | None,
        out: str,
        fmt: str,
        index: bool,
        quiet: bool = False,
    ) -> tuple[Step, ...]:
        """Steps for `views` over one input (or one run of its contigs), the last writing `out`."""
        views = views or [View(())]
        steps = []
        current = source(i)
        for n, view in enumerate(views):
            last = n == len(views) - 1
            ahead = views[n + 1].regions if not last else False
            args, regions = self._user_regions(view)
            if quiet and "--no-version" not in args:
                args += ("--no-version",)
            step = Step(
                out if last else f"{name}_s{n}",
                ("view", *args),
                (current,),
                fmt if last else ("b" if ahead else "u"),
                index if last else ahead,
                samples if view.select else None,
                ctg.whole(run) if n == 0 and run is not None else regions,
            )
            steps.append(step)
            current = step.output
        return tuple(steps)

    def _user_regions(self, view: View) -> tuple[tuple[str, ...], tuple[ctg.Region, ...] | None]:
        """The view's options without `-r`, and the `-r` regions as data (bcftools gets a regions file)."""
        if not view.regions:
            return view.args, None
        at = view.args.index("-r")
        return view.args[:at] + view.args[at + 2 :], ctg.parse_regions(view.args[at + 1], self.known)
