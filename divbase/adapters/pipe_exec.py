"""Run a query plan with bcftools: per-file subsets in parallel, then concat/merge, sort only if needed."""

from __future__ import annotations

import itertools
import shlex
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from divbase.adapters.bcftools import Bcftools
from divbase.adapters.index_cache import indexed
from divbase.core.command import Command
from divbase.core.plan import Part, Plan

TEMP_INDEXED = "b1"
"""Temporary files that bcftools must read through an index (merge inputs): BCF at compression level 1.

`merge --no-index` would avoid the index but aborts with "Sequences out of order" on some inputs
(e.g. after `view -a` leaves records with ALT '.'), so merge inputs are always indexed."""


@dataclass
class Input:
    """A part's input: the VCF's local path, its cached index, and how to learn (once) whether its record
    lines all have the columns its header implies."""

    path: Path
    index: Path
    check_rows: Callable[[], bool]
    _rows_ok: bool | None = None

    @property
    def spec(self) -> str:
        return indexed(self.path, self.index)

    @property
    def rows_ok(self) -> bool:
        if self._rows_ok is None:
            self._rows_ok = self.check_rows()
        return self._rows_ok


@dataclass
class Executor:
    bcftools: Bcftools
    workdir: Path
    jobs: int = 1
    log: Callable[[str], None] = lambda _line: None

    def run(self, plan: Plan, command: Command, inputs: Sequence[Input], result: Path) -> None:
        """Write the bgzipped result VCF and its CSI index (`<result>.csi`)."""
        final_direct = not plan.sort and not plan.merge and len(plan.parts) == 1
        if final_direct and _passes_through(plan.parts[0], command, inputs[0]):
            self.log("The selection covers the whole file with no filter: copying it unchanged.")
            shutil.copyfile(inputs[0].path, result)
            shutil.copyfile(inputs[0].index, f"{result}.csi")
            return
        units = self._units(plan, command, inputs)
        target = result if final_direct else None
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            try:
                pieces = list(pool.map(lambda u: self._unit(u, plan, command, inputs[u[0]], target), units))
            except BaseException:  # cancelled, interrupted or a failed piece: stop the other pieces too
                pool.shutdown(wait=False, cancel_futures=True)
                self.bcftools.stop_all()
                raise
        outs = self._join(plan, units, pieces, target)
        if not final_direct:
            self._combine(plan, outs, result)
        self._run(["index", "-f", str(result)], "indexing the result", result.name)

    def _units(self, plan: Plan, command: Command, inputs: Sequence[Input]) -> list[tuple[int, tuple[str, ...] | None]]:
        """(part, contigs) work units. With more CPUs than files, a file is split into contiguous runs of
        its contigs (in file order), subset in parallel, then joined without recompression."""
        spare = self.jobs // max(1, len(plan.parts))
        units: list[tuple[int, tuple[str, ...] | None]] = []
        for i, part in enumerate(plan.parts):
            contigs = part.file.scaffolds
            if spare < 2 or len(contigs) < 2 or command.has_regions or _passes_through(part, command, inputs[i]):
                units.append((i, None))
                continue
            count = min(spare, len(contigs))
            bounds = [round(k * len(contigs) / count) for k in range(count + 1)]
            units += [(i, tuple(contigs[a:b])) for a, b in itertools.pairwise(bounds)]
        if len(units) > len(plan.parts):
            self.log(f"Splitting the work by contig into {len(units)} parallel pieces.")
        return units

    def _unit(
        self, unit: tuple[int, tuple[str, ...] | None], plan: Plan, command: Command, source: Input, result: Path | None
    ) -> str:
        i, contigs = unit
        if contigs is None:
            return self._part(i, plan, command, source, result)
        return self._chunk(i, contigs, plan, command, source)

    def _chunk(self, i: int, contigs: tuple[str, ...], plan: Plan, command: Command, source: Input) -> str:
        """One contig run of a part: same segments, restricted by `-r`; headers kept identical (--no-version)."""
        part = plan.parts[i]
        current = source.spec
        for seg in range(len(command.segments)):
            last = seg == len(command.segments) - 1
            extra = ["--no-version", *(["-r", ",".join(contigs)] if seg == 0 else [])]
            first = part.file.scaffolds.index(contigs[0])
            out = self.workdir / (f"chunk_{i}_{first}.vcf.gz" if last else f"chunk_{i}_{first}_{seg}.bcf")
            view = command.argv(seg, part.samples)
            self._run(
                [*view, *extra, "-O", "z" if last else TEMP_INDEXED, "-o", str(out), current],
                f"running 'bcftools {shlex.join(view)}'",
                part.file.key,
            )
            current = str(out)
            if not last:
                self._run(["index", "-f", current], "indexing a temporary file", part.file.key)
        return current

    def _join(
        self, plan: Plan, units: list[tuple[int, tuple[str, ...] | None]], pieces: list[str], result: Path | None
    ) -> list[str]:
        """One output per part: a single piece as is, or the part's chunks concatenated as they are."""
        outs = []
        for i in range(len(plan.parts)):
            mine = [piece for (owner, _), piece in zip(units, pieces, strict=True) if owner == i]
            if len(mine) == 1:
                outs.append(mine[0])
                continue
            target = result or self.workdir / f"part_{i}.vcf.gz"
            self._run(["concat", "--naive", "-o", str(target), *mine], "joining contig pieces", plan.parts[i].file.key)
            if plan.merge:
                self._run(["index", "-f", str(target)], "indexing a temporary file", plan.parts[i].file.key)
            outs.append(str(target))
        return outs

    def _part(self, i: int, plan: Plan, command: Command, source: Input, result: Path | None) -> str:
        part = plan.parts[i]
        if _passes_through(part, command, source):
            return source.spec
        current = source.spec
        for seg in range(len(command.segments)):
            last = seg == len(command.segments) - 1
            out, fmt = self._part_target(i, seg, last, plan, result)
            view = command.argv(seg, part.samples)
            quiet = ["--no-version"] if fmt == "z" and result is None else []  # keeps part headers identical
            self._run(
                [*view, *quiet, "-O", fmt, "-o", str(out), current],
                f"running 'bcftools {shlex.join(view)}'",
                part.file.key,
            )
            current = str(out)
            if fmt == TEMP_INDEXED:
                self._run(["index", "-f", current], "indexing a temporary file", part.file.key)
        return current

    def _part_target(self, i: int, seg: int, last: bool, plan: Plan, result: Path | None) -> tuple[Path, str]:
        if last and result is not None:
            return result, "z"
        if last and not plan.sort and not plan.merge:
            return self.workdir / f"part_{i}.vcf.gz", "z"  # compressed in parallel, then joined as is
        return self.workdir / f"part_{i}_{seg}.bcf", TEMP_INDEXED

    def _combine(self, plan: Plan, outs: list[str], result: Path) -> None:
        target = result if not plan.sort else self.workdir / "combined.ubcf"
        fmt = "u" if plan.sort else "z"
        if plan.merge:
            sources = [self._group(j, [outs[i] for i in members]) for j, members in enumerate(plan.groups)]
            self.log(f"Sample sets are disjoint across {len(sources)} groups: merging them.")
            self._run(["merge", *self._threads(), "-O", fmt, "-o", str(target), *sources], "merging", result.name)
        elif len(plan.groups[0]) > 1:
            members = [outs[i] for i in plan.groups[0]]
            if not plan.sort and self._same_headers(members):
                self.log(f"Identical sample sets in {len(members)} files: joining the compressed parts as they are.")
                self._run(["concat", "--naive", "-o", str(target), *members], "concatenating", result.name)
            else:
                self._concat_into(members, target, fmt, result.name)
        else:
            target = Path(outs[plan.groups[0][0]])
        if plan.sort:
            self._sort(plan, target, result)

    def _group(self, j: int, members: list[str]) -> str:
        """One merge input: a single part as is, or the concatenation of a group's parts."""
        if len(members) == 1:
            return members[0]
        target = self.workdir / f"group_{j}.bcf"
        self._concat_into(members, target, TEMP_INDEXED, target.name)
        self._run(["index", "-f", str(target)], "indexing a temporary file", target.name)
        return str(target)

    def _threads(self) -> list[str]:
        """Extra compression threads for a combine step: it runs alone, after the parallel per-file work."""
        return ["--threads", str(self.jobs - 1)] if self.jobs > 1 else []

    def _same_headers(self, paths: list[str]) -> bool:
        """True when every path is a bgzipped VCF with the same header (what `concat --naive` needs)."""
        if not all(p.endswith(".vcf.gz") and "##idx##" not in p for p in paths):
            return False
        headers = {self.bcftools.run(["view", "-h", p], operation="reading a header", target=p) for p in paths}
        return len(headers) == 1

    def _concat_into(self, members: list[str], target: Path, fmt: str, name: str) -> None:
        self.log(f"Identical sample sets in {len(members)} files: concatenating them.")
        self._run(["concat", *self._threads(), "-O", fmt, "-o", str(target), *members], "concatenating", name)

    def _sort(self, plan: Plan, source: Path, result: Path) -> None:
        tmp = self.workdir / "sort_tmp"
        tmp.mkdir(exist_ok=True)
        if not plan.dedupe:
            self._run(["sort", "-T", str(tmp), "-Oz", "-o", str(result), str(source)], "sorting", result.name)
            return
        self.log("Concatenated files share contigs: sorting and removing exact duplicate records.")
        sorted_path = self.workdir / "sorted.ubcf"
        self._run(["sort", "-T", str(tmp), "-Ou", "-o", str(sorted_path), str(source)], "sorting", result.name)
        self._run(
            ["norm", "--rm-dup", "exact", "-Oz", "-o", str(result), str(sorted_path)],
            "removing duplicates",
            result.name,
        )

    def _run(self, argv: list[str], operation: str, target: str) -> None:
        self.bcftools.run(argv, operation=operation, target=target, cwd=self.workdir)


def _passes_through(part: Part, command: Command, source: Input) -> bool:
    """The part is the whole file unchanged: every sample in header order and no option touches records.
    A file whose record lines do not match its header is never copied, so bcftools reports it as upstream."""
    if not part.whole_file or command.filters_records or command.has_regions:
        return False
    return source.rows_ok
