"""Run a query plan (`divbase.core.plan`) with bcftools: units in a thread pool, then the combine steps.

The executor only interprets the plan: it names artifact files, writes the samples and regions files the
steps ask for, adds inputs, outputs and threads to each argv, and indexes what the plan says to index.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from divbase.core.contigs import regions_file
from divbase.core.plan import RESULT, Plan, PlanInput, Step, Unit, source
from divbase.core.ports import BcftoolsRunner

_SUFFIX = {"z": ".vcf.gz", "b": ".bcf", "u": ".ubcf"}
_THREADED = ("merge", "concat", "view")


def link(item: PlanInput, workdir: Path, name: str) -> str:
    """The input as `<workdir>/<name>.vcf.gz` with its index beside it (both symbolic links).

    htslib adds the contigs an index knows but the header does not declare (a file without ##contig
    lines) only when it finds the index next to the file, as upstream's re-indexed inputs have it;
    with the index elsewhere (`##idx##`) writing BCF fails on such a file."""
    path = workdir / f"{name}{''.join(item.path.suffixes[-2:]) or '.vcf.gz'}"
    for target, at in ((item.path, path), (item.index, Path(f"{path}.csi"))):
        at.unlink(missing_ok=True)
        at.symlink_to(target.resolve())
    return str(path)


@dataclass
class Executor:
    """The local plan executor: a thread pool of bcftools processes in one work directory."""

    bcftools: BcftoolsRunner
    workdir: Path
    jobs: int = 1
    log: Callable[[str], None] = lambda _line: None
    _paths: dict[str, str] = field(default_factory=dict)

    def run(
        self, plan: Plan, inputs: Sequence[PlanInput], result: Path, log: Callable[[str], None] | None = None
    ) -> int:
        """Write the bgzipped result VCF and its CSI index (`<result>.csi`); return its record count."""
        self.log = log or self.log
        if plan.copies_input:
            self.log("The selection covers the whole file with no filter: copying it unchanged.")
            shutil.copyfile(inputs[0].path, result)
            shutil.copyfile(inputs[0].index, f"{result}.csi")
            return self._count(result)
        self._paths = {source(i): link(item, self.workdir, source(i)) for i, item in enumerate(inputs)}
        self._paths[RESULT] = str(result)
        self._units(plan)
        for step in plan.combine:
            self.log(f"Combining: bcftools {shlex.join(step.argv)} ({len(step.inputs)} input(s))")
            self._step(step, result.name, threaded=True)
        self._run(["index", "-f", str(result)], "indexing the result", result.name)
        return self._count(result)

    def _units(self, plan: Plan) -> None:
        if len(plan.units) > len(plan.parts):
            self.log(f"Splitting the work by contig into {len(plan.units)} parallel pieces.")
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            try:
                list(pool.map(lambda unit: self._unit(plan, unit), plan.units))
            except BaseException:  # cancelled, interrupted or a failed unit: stop the other units too
                pool.shutdown(wait=False, cancel_futures=True)
                self.bcftools.stop_all()
                raise

    def _unit(self, plan: Plan, unit: Unit) -> None:
        for step in unit.steps:
            self._step(step, plan.parts[unit.part].file.key, threaded=False)

    def _step(self, step: Step, target: str, threaded: bool) -> None:
        out = self._paths.get(step.output) or str(self.workdir / f"{step.output}{_SUFFIX[step.fmt]}")
        self._paths[step.output] = out
        inputs = [self._paths[name] for name in step.inputs]
        argv = [*step.argv, *self._extras(step, threaded)]
        if step.argv[:1] == ("concat",) and "--naive" not in argv and self._naive_ok(step, inputs):
            argv.insert(1, "--naive")
        if "--naive" not in argv:
            argv += ["-O", f"{step.fmt}1" if step.fmt == "b" else step.fmt]
        shown = shlex.join(step.argv)
        self._run([*argv, "-o", out, *inputs], f"running 'bcftools {shown}'", target)
        if step.index:
            self._run(["index", "-f", out], "indexing a temporary file", target)

    def _extras(self, step: Step, threaded: bool) -> list[str]:
        extras: list[str] = []
        if step.samples is not None:
            listing = self.workdir / f"{step.output}.samples"
            listing.write_text("".join(f"{s}\n" for s in step.samples))
            extras += ["-S", str(listing)]
        if step.regions is not None:
            regions = self.workdir / f"{step.output}.regions"
            regions.write_text(regions_file(step.regions))
            extras += ["-R", str(regions)]
        if step.argv[0] == "sort":
            tmp = self.workdir / "sort_tmp"
            tmp.mkdir(exist_ok=True)
            extras += ["-T", str(tmp)]
        if threaded and self.jobs > 1 and step.argv[0] in _THREADED and "--naive" not in step.argv:
            extras += ["--threads", str(self.jobs - 1)]
        return extras

    def _naive_ok(self, step: Step, inputs: list[str]) -> bool:
        """A plain concatenation of bgzipped VCFs with one header can join the files as they are."""
        if step.fmt != "z" or not all(p.endswith(".vcf.gz") for p in inputs):
            return False
        headers = {self.bcftools.run(["view", "-h", p], operation="reading a header", target=p) for p in inputs}
        return len(headers) == 1

    def _count(self, result: Path) -> int:
        out = self.bcftools.run(["index", "--nrecords", str(result)], operation="counting records", target=result.name)
        return int(out.strip() or 0)

    def _run(self, argv: list[str], operation: str, target: str) -> None:
        self.bcftools.run(argv, operation=operation, target=target, cwd=self.workdir)
