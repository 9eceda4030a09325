#!/usr/bin/env python3
"""dimensions-update benchmark on the W-P workload (performance.md C1/C2 item 6, C3).

    python benchmarks/bench_dimensions.py              # 200 files x 200 samples x 500 kb, median of 3
    python benchmarks/bench_dimensions.py --quick      # 50 files, 1 repetition

The files are cheap copies: a few generated base files (gen_vcf.py, 200 samples, 1 contig of
500 kb), each copy re-headered with its own `##source=` line (`bcftools reheader`, no re-encoding),
so every file has distinct content but the same samples. Per repetition the bucket is rebuilt and
`divbase run dimensions-update --json` is timed three times:

    cold       nothing indexed yet                      -> every file indexed
    1 changed  one file's content rewritten             -> 1 file indexed
    no-op      nothing changed                          -> 0 files indexed

The reference is `bcftools index -f` + `bcftools query -l` run by hand over the same files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import gen_vcf
from common import (
    DEFAULT_CACHE,
    Timings,
    divbase_exe,
    environment,
    fmt,
    link_or_copy,
    run,
    summarize_json,
    warm_cache,
)

BASES = 4
PHASES = ("cold", "1 changed", "no-op")


@dataclass
class Phase:
    timings: Timings = field(default_factory=Timings)
    summary: str = ""


def base_files(cache: Path) -> list[Path]:
    """Generate (or reuse) the few base VCFs the copies are made from."""
    bases = []
    for seed in range(1, BASES + 1):
        p = gen_vcf.Params(samples=200, contigs=1, contig_length=500_000, seed=seed)
        data = cache / f"wp-base-s{seed}"
        gen_vcf.ensure(p, data)
        bases.append(data / "whole" / "all.vcf.gz")
    return bases


def reheader(base: Path, dest: Path, source: str, work: Path) -> None:
    """Copy `base` to `dest` with its ##source line replaced (header rewrite only)."""
    text = run(["bcftools", "view", "-h", "--no-version", base]).stdout.decode()
    lines = [f"##source={source}" if line.startswith("##source=") else line for line in text.splitlines()]
    header = work / "header.txt"
    header.write_text("\n".join(lines) + "\n")
    dest.parent.mkdir(parents=True, exist_ok=True)
    run(["bcftools", "reheader", "-h", header, "-o", dest, base])


def build_bucket(bucket: Path, bases: list[Path], n_files: int, metadata: Path) -> list[Path]:
    """n_files distinct VCFs under a few folders (keys with '/'), plus the metadata TSV."""
    if bucket.exists():
        shutil.rmtree(bucket)
    work = bucket.parent / f"{bucket.name}.work"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n_files):
        dest = bucket / f"batch_{i // 50:02d}" / f"file_{i:03d}.vcf.gz"
        reheader(bases[i % len(bases)], dest, f"divbase-bench-wp-copy-{i:03d}", work)
        files.append(dest)
    link_or_copy(metadata, bucket / "sample_metadata.tsv")
    shutil.rmtree(work)
    return files


def dimensions_update(bucket: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = run([divbase_exe(), "run", "dimensions-update", "--bucket-dir", bucket, "--json"])
    return time.perf_counter() - start, summarize_json(proc.stdout)


def hand_reference(files: list[Path], scratch: Path) -> float:
    """`bcftools index -f` + `query -l` over copies of the files (what a full rescan costs)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    copies = []
    for i, vcf in enumerate(files):
        copy = scratch / f"{i:03d}.vcf.gz"
        link_or_copy(vcf, copy)
        copies.append(copy)
    start = time.perf_counter()
    for copy in copies:
        run(["bcftools", "index", "-f", copy])
        run(["bcftools", "query", "-l", copy])
    seconds = time.perf_counter() - start
    shutil.rmtree(scratch)
    return seconds


def one_rep(bucket: Path, bases: list[Path], n_files: int, metadata: Path, phases: dict[str, Phase]) -> None:
    files = build_bucket(bucket, bases, n_files, metadata)
    warm_cache(files)
    for name in PHASES:
        if name == "1 changed":
            reheader(bases[1 % len(bases)], files[0], "divbase-bench-wp-changed", bucket.parent)
        seconds, summary = dimensions_update(bucket)
        phases[name].timings.seconds.append(seconds)
        phases[name].summary = summary


def report(phases: dict[str, Phase], hand: float, n_files: int) -> list[dict[str, str]]:
    per_file = hand / n_files
    targets = {
        "cold": f"<= 1.1 x hand ({1.1 * hand:.2f} s)",
        "1 changed": f"<= 1.2 x one file + 1 s ({1.2 * per_file + 1:.2f} s)",
        "no-op": "<= 1.00 s",
    }
    rows = []
    print(f"hand reference (index -f + query -l, {n_files} files): {hand:.2f} s ({per_file * 1000:.1f} ms/file)")
    print(f"{'phase':<10}  {'seconds':>8}  {'target':<32}  divbase --json result")
    for name, phase in phases.items():
        print(f"{name:<10}  {fmt(phase.timings.median):>8}  {targets[name]:<32}  {phase.summary}")
        rows.append({"phase": name, "seconds": fmt(phase.timings.median), "target": targets[name]})
        rows[-1]["result"] = phase.summary
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="divbase dimensions-update benchmark (W-P).")
    parser.add_argument("--quick", action="store_true", help="50 files and 1 repetition")
    parser.add_argument("--files", type=int, help="number of VCF files (default 200, --quick 50)")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, --quick 1)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache dir (default %(default)s)")
    args = parser.parse_args(argv)
    n_files = args.files or (50 if args.quick else 200)
    reps = args.reps or (1 if args.quick else 3)
    env = environment()
    print("environment: " + ", ".join(f"{k} {v}" for k, v in env.items()) + f", reps {reps}")
    bases = base_files(args.cache)
    bucket = args.cache / "buckets" / f"wp-{n_files}"
    phases = {name: Phase() for name in PHASES}
    for _ in range(reps):
        one_rep(bucket, bases, n_files, bases[0].parent.parent / "sample_metadata.tsv", phases)
    files = sorted(p for p in bucket.rglob("*.vcf.gz") if ".divbase" not in p.parts)
    hand = hand_reference(files, args.cache / "runs" / "wp-hand")
    rows = report(phases, hand, n_files)
    out = args.cache / "results" / f"dimensions-wp-{n_files}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"environment": env, "hand_s": hand, "rows": rows}, indent=2) + "\n")
    print(f"\nsaved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
