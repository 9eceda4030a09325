"""The reference pipelines divbase is measured against (performance.md B3, upstream-behaviour.md 5b).

Every pipeline writes the same output as divbase: a bgzipped VCF plus its CSI index, samples in
header order (files in key order). Inputs are the generator's files, whose CSI already exists.

- hand_*: the best hand-written bcftools lines, sequential (J1i, C0, M1) and 2-core (J5, C3, M2).
- upstream: the shape of the existing DivBase worker (re-index every input, temp BCFs written with
  `-Ou -o x.bcf`, `index -f`, `query -l`, concat/merge `-Ou`, `annotate -h`, `sort -Oz`), plus an
  index of the result so that the output matches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common import BenchError, run

BCFTOOLS = "bcftools"


@dataclass(frozen=True)
class Query:
    """One query resolved to files (key order) and, per file, its selected samples (header order)."""

    files: list[Path]
    samples: list[list[str]]
    region: str | None = None
    filters: tuple[str, ...] = ()
    """Record filters of the query (e.g. `-q 0.05:minor`): per file in the per-file plans."""

    def region_args(self) -> list[str]:
        return [*(["-r", self.region] if self.region else []), *self.filters]


def sample_files(q: Query, work: Path) -> list[Path]:
    paths = []
    for i, samples in enumerate(q.samples):
        path = work / f"samples_{i}.txt"
        path.write_text("\n".join(samples) + "\n")
        paths.append(path)
    return paths


def fresh(work: Path) -> Path:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def index(path: Path) -> None:
    run([BCFTOOLS, "index", "-f", path])


def parallel(argvs: Sequence[Sequence[str | Path]], jobs: int) -> None:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(run, argvs))


# --- hand-written references -------------------------------------------------------------------


def hand_single(q: Query, out: Path, work: Path) -> None:
    """J1i: `view -S Q -Oz -o out && index` (one file)."""
    (samples,) = sample_files(q, fresh(work))
    (vcf,) = q.files
    run([BCFTOOLS, "view", "-S", samples, *q.region_args(), "-Oz", "-o", out, vcf])
    index(out)


def _contig_groups_in_order(contigs: list[str], jobs: int) -> list[list[str]]:
    """Contiguous contig groups, so that concatenating the parts keeps the file order."""
    size = -(-len(contigs) // jobs)
    return [contigs[i : i + size] for i in range(0, len(contigs), size)]


def hand_single_par(q: Query, out: Path, work: Path, contigs: list[str], jobs: int) -> None:
    """J5 with contiguous contig groups (chr1,chr2 | chr3,chr4 on 2 cores)."""
    (samples,) = sample_files(q, fresh(work))
    (vcf,) = q.files
    groups = _contig_groups_in_order(contigs, jobs)
    parts = [work / f"part_{i}.vcf.gz" for i in range(len(groups))]
    argvs: list[list[str | Path]] = [
        [BCFTOOLS, "view", "-S", samples, "-r", ",".join(g), "-Oz", "-o", part, vcf]
        for g, part in zip(groups, parts, strict=True)
    ]
    parallel(argvs, jobs)
    run([BCFTOOLS, "concat", "--naive", "-Oz", "-o", out, *parts])
    index(out)


def hand_concat(q: Query, out: Path, work: Path, jobs: int = 1) -> None:
    """C0 (jobs=1) / C3 (jobs=2): per-file `view -S Q -Oz`, `concat --naive`, index."""
    samples = sample_files(q, fresh(work))
    parts = [work / f"part_{i}.vcf.gz" for i in range(len(q.files))]
    argvs: list[list[str | Path]] = [
        [BCFTOOLS, "view", "-S", s, *q.region_args(), "-Oz", "-o", part, vcf]
        for s, part, vcf in zip(samples, parts, q.files, strict=True)
    ]
    parallel(argvs, jobs)
    if len(parts) == 1:
        parts[0].rename(out)
    else:
        run([BCFTOOLS, "concat", "--naive", "-Oz", "-o", out, *parts])
    index(out)


def hand_merge(q: Query, out: Path, work: Path) -> None:
    """M1: per-file `view -S Qg -Ob`, index each, `merge -Oz`, index."""
    samples = sample_files(q, fresh(work))
    temps = [work / f"t_{i}.bcf" for i in range(len(q.files))]
    for s, temp, vcf in zip(samples, temps, q.files, strict=True):
        run([BCFTOOLS, "view", "-S", s, *q.region_args(), "-Ob", "-o", temp, vcf])
        index(temp)
    run([BCFTOOLS, "merge", "-Oz", "-o", out, *temps])
    index(out)


def hand_merge_then_filter(q: Query, out: Path, work: Path) -> None:
    """M1F: per-file `view -S Qg [-r R] -Ob`, index each, `merge -Ou | view FILTERS -Oz`, index: the
    filters see the merged samples (what divbase does for sample-dependent filters)."""
    samples = sample_files(q, fresh(work))
    temps = [work / f"t_{i}.bcf" for i in range(len(q.files))]
    region = ["-r", q.region] if q.region else []
    for s, temp, vcf in zip(samples, temps, q.files, strict=True):
        run([BCFTOOLS, "view", "-S", s, *region, "-Ob", "-o", temp, vcf])
        index(temp)
    merged = work / "merged.ubcf"
    run([BCFTOOLS, "merge", "-Ou", "-o", merged, *temps])
    run([BCFTOOLS, "view", *q.filters, "-Oz", "-o", out, merged])
    index(out)


def hand_merge_streamed(q: Query, out: Path, work: Path) -> None:
    """M2: `merge --no-index -Oz <(view -S Qg -Ou f1) ...`, index; all readers run concurrently.

    The process substitutions are built from argv lists: each reader's stdout pipe is handed to
    merge as /dev/fd/N (what bash's `<(...)` does), no shell involved.
    """
    samples = sample_files(q, fresh(work))
    readers = [
        subprocess.Popen([BCFTOOLS, "view", "-S", str(s), *q.region_args(), "-Ou", str(vcf)], stdout=subprocess.PIPE)
        for s, vcf in zip(samples, q.files, strict=True)
    ]
    fds = [r.stdout.fileno() for r in readers if r.stdout is not None]
    try:
        run(
            [BCFTOOLS, "merge", "--no-index", "-Oz", "-o", out, *(f"/dev/fd/{fd}" for fd in fds)],
            pass_fds=fds,
        )
    finally:
        for r in readers:
            if r.stdout is not None:
                r.stdout.close()
        codes = [r.wait() for r in readers]
    if any(codes):
        raise BenchError(f"a streamed `bcftools view` reader failed: exit codes {codes}")
    index(out)


def hand_pass_through(q: Query, out: Path, work: Path) -> None:
    """G1: the selection is every sample of one file: `cp` + index."""
    (vcf,) = q.files
    shutil.copyfile(vcf, out)
    index(out)


# --- the upstream DivBase worker shape ---------------------------------------------------------


def upstream(q: Query, out: Path, work: Path) -> None:
    """upstream-behaviour.md 5b steps 8-10, with `view -s [-r R]` as the user command."""
    work = fresh(work)
    inputs = [_download(vcf, work, i) for i, vcf in enumerate(q.files)]
    temps = []
    for f, (vcf, samples) in enumerate(zip(inputs, q.samples, strict=True)):
        index(vcf)  # the worker's fresh copy has no .csi, so every input is re-indexed
        temp = work / f"temp_subset_job_0_{f}.bcf"
        run([BCFTOOLS, "view", "-s", ",".join(samples), *q.region_args(), vcf, "-Ou", "-o", temp])
        index(temp)
        temps.append(temp)
    merged = _combine(temps, work)
    header = work / "divbase_header.txt"
    header.write_text('##DivBase_created="This is a results file created by a DivBase query"\n')
    annotated = work / "merged_annotated_unsorted_job.bcf"
    run([BCFTOOLS, "annotate", "-h", header, "-Ou", "-o", annotated, merged])
    run([BCFTOOLS, "sort", "-Oz", "-o", out, annotated])
    index(out)  # not done upstream; added so the output matches (bgzipped VCF + CSI)


def _download(vcf: Path, work: Path, i: int) -> Path:
    """Stand-in for the S3 download: a link in the work dir, without the CSI."""
    local = work / f"input_{i}@@{vcf.name}"
    try:
        os.link(vcf, local)
    except OSError:
        shutil.copyfile(vcf, local)
    return local


def _combine(temps: list[Path], work: Path) -> Path:
    """merge_or_concat: group temps by ordered sample tuple, concat groups, merge the results."""
    groups: dict[tuple[str, ...], list[Path]] = {}
    for temp in temps:
        key = tuple(run([BCFTOOLS, "query", "-l", temp]).stdout.decode().split())
        groups.setdefault(key, []).append(temp)
    merged = work / "merged_unsorted_job.bcf"
    if len(temps) == 1:
        temps[0].rename(merged)
        return merged
    if all(len(members) == 1 for members in groups.values()):
        run([BCFTOOLS, "merge", "-Ou", "-o", merged, *temps])
        return merged
    results = []
    for n, members in enumerate(groups.values()):
        if len(members) == 1:
            results.append(members[0])
            continue
        concat = work / f"concat_job_{n}.bcf"
        run([BCFTOOLS, "concat", "-Ou", "-o", concat, *members])
        index(concat)
        results.append(concat)
    if len(results) == 1:
        results[0].rename(merged)
    else:
        run([BCFTOOLS, "merge", "-Ou", "-o", merged, *results])
    return merged
