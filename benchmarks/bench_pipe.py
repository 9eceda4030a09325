#!/usr/bin/env python3
"""bcftools-pipe benchmark: divbase vs the best hand-written bcftools vs the upstream pipeline shape.

    python benchmarks/bench_pipe.py            # W-M: 2000 samples x ~225k sites, median of 3
    python benchmarks/bench_pipe.py --quick    # W-S: 200 samples x ~21k sites, 1 repetition

The data set is generated once into the cache dir (default .bench/, git-ignored) and reused. Three
bucket dirs (layouts whole, by_contig, by_group; hard links to the generated VCFs, without their CSI,
plus sample_metadata.tsv) are rebuilt on every run, so `dimensions-update` starts cold. See
benchmarks/README.md for what each number means and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import gen_vcf
import pipelines as pl
from common import (
    DEFAULT_CACHE,
    BenchError,
    Timings,
    divbase_exe,
    environment,
    fmt,
    header_samples,
    link_or_copy,
    records_md5,
    run,
    run_measured,
    summarize_json,
    timed,
    warm_cache,
)

LAYOUTS = ("whole", "by_contig", "by_group")
Pipeline = Callable[[Path, Path], None]  # (out, work)


@dataclass
class Case:
    name: str
    layout: str
    query: pl.Query
    selection: list[str]  # divbase sample-selection options
    command: str
    hand: Pipeline
    target: float  # divbase (sequential or default jobs) / hand
    hand_par: Pipeline | None = None
    jobs: list[int | None] = field(default_factory=lambda: [None])  # divbase --jobs variants
    check_against: str = "hand"  # whose records divbase must reproduce ("hand_par" when hand is wrong)


@dataclass
class Result:
    case: Case
    divbase: dict[int | None, Timings] = field(default_factory=dict)
    rss_kib: dict[int | None, int | None] = field(default_factory=dict)
    hand: Timings = field(default_factory=Timings)
    hand_par: Timings = field(default_factory=Timings)
    upstream: Timings = field(default_factory=Timings)
    check: str = "-"
    error: str | None = None


# --- setup --------------------------------------------------------------------------------------


def layout_files(data: Path, layout: str) -> list[Path]:
    return sorted((data / layout).glob("*.vcf.gz"))


def build_bucket(data: Path, bucket: Path, layout: str) -> Path:
    """A fresh bucket dir: hard links to the layout's VCFs (no CSI) plus sample_metadata.tsv."""
    if bucket.exists():
        run(["rm", "-rf", "--", bucket])
    for vcf in layout_files(data, layout):
        link_or_copy(vcf, bucket / vcf.name)
    link_or_copy(data / "sample_metadata.tsv", bucket / "sample_metadata.tsv")
    return bucket


def dimensions_update(bucket: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = run([divbase_exe(), "run", "dimensions-update", "--bucket-dir", bucket, "--json"])
    return time.perf_counter() - start, summarize_json(proc.stdout)


def region_for(p: gen_vcf.Params) -> tuple[str, str]:
    """The 1 Mb region of performance.md (chr2:1000001-2000000), scaled to the contig length."""
    contig = p.contig_names[1 if p.contigs > 1 else 0]
    return contig, f"{contig}:{p.contig_length // 4 + 1}-{p.contig_length // 2}"


def resolve(files: list[Path], wanted: set[str], region: str | None = None) -> pl.Query:
    """Files holding wanted samples (key order), each with its wanted samples in header order."""
    picked, samples = [], []
    for vcf in files:
        names = [s for s in header_samples(vcf) if s in wanted]
        if names:
            picked.append(vcf)
            samples.append(names)
    return pl.Query(picked, samples, region)


# --- cases --------------------------------------------------------------------------------------


def make_cases(p: gen_vcf.Params, data: Path, jobs: int) -> list[Case]:
    query_file = data / "query_samples_100.txt"
    wanted = set(query_file.read_text().split())
    contig, region = region_for(p)
    by_file = ["--samples-file", str(query_file)]
    view_r = f"view -s -r {region}"
    whole = layout_files(data, "whole")
    by_contig = layout_files(data, "by_contig")
    by_group = layout_files(data, "by_group")
    region_file = [f for f in by_contig if f.name == f"{contig}.vcf.gz"]
    north = data / "by_group" / "North.vcf.gz"
    both: list[int | None] = [1, jobs]

    single, single_r = resolve(whole, wanted), resolve(whole, wanted, region)
    concat, concat_r = resolve(by_contig, wanted), resolve(region_file, wanted, region)
    merge, merge_r = resolve(by_group, wanted), resolve(by_group, wanted, region)
    maf = ("-q", "0.05:minor")
    merge_q = pl.Query(merge.files, merge.samples, None, maf)
    passing = pl.Query([north], [header_samples(north)])
    single_par = partial(pl.hand_single_par, single, contigs=p.contig_names, jobs=jobs)
    hand, hand_concat, hand_merge = pl.hand_single, pl.hand_concat, pl.hand_merge
    return [
        Case("single", "whole", single, by_file, "view -s", partial(hand, single), 1.10, single_par, both),
        Case("single-region", "whole", single_r, by_file, view_r, partial(hand, single_r), 1.2),
        Case("concat", "by_contig", concat, by_file, "view -s", partial(hand_concat, concat), 1.15,
             partial(hand_concat, concat, jobs=jobs), both),
        Case("concat-region", "by_contig", concat_r, by_file, view_r, partial(hand_concat, concat_r), 1.2),
        Case("merge", "by_group", merge, by_file, "view -s", partial(hand_merge, merge), 1.15,
             partial(pl.hand_merge_streamed, merge), both),
        Case("merge-region", "by_group", merge_r, by_file, view_r, partial(hand_merge, merge_r), 1.2),
        Case("merge-maf", "by_group", merge_q, by_file, "view -s -q 0.05:minor", partial(hand_merge, merge_q),
             1.15, partial(pl.hand_merge_then_filter, merge_q), check_against="hand_par"),
        Case("pass-through", "by_group", passing, ["--tsv-filter", "Area:North"], "view -s",
             partial(pl.hand_pass_through, passing), 1.10),
    ]  # fmt: skip


# --- measuring ----------------------------------------------------------------------------------


def divbase_argv(case: Case, bucket: Path, out: Path, jobs: int | None) -> list[str | Path]:
    argv: list[str | Path] = [divbase_exe(), "run", "bcftools-pipe", "--bucket-dir", bucket]
    argv += [*case.selection, "--command", case.command, "-o", out]
    return argv + (["--jobs", str(jobs)] if jobs else [])


def remove_outputs(out: Path, bucket: Path | None = None) -> None:
    for path in (out, Path(f"{out}.csi"), Path(f"{out}.tbi")):
        path.unlink(missing_ok=True)
    if bucket is not None:
        for result in bucket.glob("result_of_job_*"):
            result.unlink()


def run_divbase(case: Case, bucket: Path, runs: Path, jobs: int | None, res: Result) -> None:
    out = runs / f"divbase_j{jobs or 'default'}.vcf.gz"
    remove_outputs(out, bucket)
    seconds, rss, _ = run_measured(divbase_argv(case, bucket, out, jobs), runs / "time.txt")
    res.divbase.setdefault(jobs, Timings()).seconds.append(seconds)
    res.rss_kib[jobs] = max(res.rss_kib.get(jobs) or 0, rss or 0) or None
    if not out.exists():
        raise BenchError(f"divbase wrote no {out}")
    if not list(bucket.glob("result_of_job_*.vcf.gz")):
        raise BenchError(f"divbase wrote no result_of_job_<id>.vcf.gz into {bucket}")


def run_divbase_safely(case: Case, bucket: Path, runs: Path, res: Result) -> None:
    """Run every divbase variant once; on failure keep measuring the references."""
    try:
        for jobs in case.jobs:
            run_divbase(case, bucket, runs, jobs, res)
    except BenchError as exc:
        print(f"{case.name}: divbase FAILED: {exc}", file=sys.stderr)
        res.error = "divbase FAILED (see stderr)"


def run_reference(pipeline: Pipeline, out: Path, work: Path, timings: Timings) -> None:
    remove_outputs(out)
    timings.seconds.append(timed(partial(pipeline, out, work)))


def measure(case: Case, bucket: Path, runs: Path, reps: int, with_divbase: bool) -> Result:
    res = Result(case)
    runs.mkdir(parents=True, exist_ok=True)
    for stale in runs.glob("*.vcf.gz*"):
        stale.unlink()
    warm_cache(case.query.files + layout_files(bucket, ""))
    for _ in range(reps):  # interleaved, so drift hits every pipeline alike
        if with_divbase and res.error is None:
            run_divbase_safely(case, bucket, runs, res)
        run_reference(case.hand, runs / "hand.vcf.gz", runs / "work_hand", res.hand)
        if case.hand_par is not None:
            run_reference(case.hand_par, runs / "hand_par.vcf.gz", runs / "work_par", res.hand_par)
        run_reference(partial(pl.upstream, case.query), runs / "upstream.vcf.gz", runs / "work_up", res.upstream)
    res.check = compare_outputs(runs, case.check_against)
    return res


def compare_outputs(runs: Path, against: str = "hand") -> str:
    """'same' if every output has the reference's records; else which differ and how."""
    reference = runs / f"{against}.vcf.gz"
    want = records_md5(reference)
    others = sorted(p for p in runs.glob("*.vcf.gz") if p != reference)
    problems = []
    for path in others:
        if records_md5(path) == want:
            continue
        problems.append(f"{path.stem.removesuffix('.vcf')}: {how_different(path, reference)}")
    missing = [p.name for p in others if p.name.startswith("divbase") and not Path(f"{p}.csi").exists()]
    problems += [f"{name}: no .csi" for name in missing]
    return "same" if not problems else "; ".join(problems)


def how_different(path: Path, reference: Path) -> str:
    """Records differ: check whether only the sample order (or the AC/AN that `view -s` adds) does."""
    samples = header_samples(path)
    order = sorted(header_samples(reference))
    if sorted(samples) != order:
        return f"DIFFERENT samples ({len(samples)} vs {len(order)})"
    same = records_md5(path, order) == records_md5(reference, order)
    return "only sample order or AC,AN differ" if same else "DIFFERENT records"


# --- report -------------------------------------------------------------------------------------


COLUMNS = ("case", "jobs", "divbase s", "hand s", "hand-2core s", "upstream s", "div/hand", "target",
           "up/div", "RSS MiB", "output")  # fmt: skip


def target_for(case: Case, jobs: int | None) -> str:
    if jobs is not None and jobs > 1:
        return "<=0.65"
    text = f"<={case.target:.2f}"
    return text + "; up/div>=2" if case.name in ("merge", "concat") else text


def rows(res: Result) -> list[list[str]]:
    out = []
    hand = res.hand.median
    variants = res.divbase or {None: Timings()}
    for jobs, timings in variants.items():
        div = timings.median
        spreads = (timings.spread, res.hand.spread, res.hand_par.spread, res.upstream.spread)
        noisy = " *" if max(spreads) > 0.10 else ""
        rss = res.rss_kib.get(jobs)
        out.append([
            res.case.name, str(jobs or "default"), fmt(div) + noisy, fmt(hand), fmt(res.hand_par.median),
            fmt(res.upstream.median), fmt(div / hand if div and hand else None), target_for(res.case, jobs),
            fmt(res.upstream.median / div if div and res.upstream.median else None),
            fmt(rss / 1024 if rss else None, 0), res.error or res.check,
        ])  # fmt: skip
    return out


def print_table(table: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [list(COLUMNS), *table]) for i in range(len(COLUMNS))]
    for row in [list(COLUMNS), ["-" * w for w in widths], *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def save(path: Path, env: dict[str, str], table: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"environment": env, "columns": COLUMNS, "rows": table}, indent=2) + "\n")
    print(f"\nsaved {path}")


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="divbase bcftools-pipe benchmark (performance.md C).")
    parser.add_argument("--quick", action="store_true", help="small data set (W-S) and 1 repetition")
    parser.add_argument("--reps", type=int, help="repetitions per pipeline (default 3, --quick 1)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache dir (default %(default)s)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel divbase/hand runs")
    parser.add_argument("--cases", help="comma-separated case names to run (default all)")
    parser.add_argument("--no-divbase", action="store_true", help="only the hand and upstream pipelines")
    return parser.parse_args(argv)


def prepare_data(args: argparse.Namespace) -> tuple[gen_vcf.Params, Path]:
    preset = gen_vcf.SMALL if args.quick else gen_vcf.MAIN
    p = gen_vcf.Params(seed=args.seed, **preset)
    data = args.cache / f"data-{p.samples}x{p.contigs}x{p.contig_length}-s{p.seed}"
    reused = gen_vcf.load_params(data)
    p = gen_vcf.ensure(p, data)
    how = "reused, generated" if reused and reused.same_data(p) else "generated"
    size = f"{p.sites} sites x {p.samples} samples, {p.contigs} contigs"
    print(f"data set {data}: {size} ({how} in {p.seconds} s)")
    return p, data


def setup_buckets(data: Path, root: Path, with_divbase: bool) -> dict[str, Path]:
    buckets = {layout: build_bucket(data, root / layout, layout) for layout in LAYOUTS}
    if with_divbase:
        for layout, bucket in buckets.items():
            seconds, summary = dimensions_update(bucket)
            print(f"dimensions-update {layout}: {seconds:.2f} s ({summary})")
    return buckets


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reps = args.reps or (1 if args.quick else 3)
    env = environment()
    print("environment: " + ", ".join(f"{k} {v}" for k, v in env.items()) + f", reps {reps}")
    p, data = prepare_data(args)
    buckets = setup_buckets(data, args.cache / "buckets" / data.name, not args.no_divbase)
    wanted = set(args.cases.split(",")) if args.cases else None
    table = []
    for case in make_cases(p, data, args.jobs):
        if wanted is not None and case.name not in wanted:
            continue
        if args.jobs <= 1 or args.no_divbase:
            case.jobs = case.jobs[:1]
        res = measure_safely(case, buckets[case.layout], data, args, reps)
        table += rows(res)
        print(f"  {case.name}: done", file=sys.stderr)
    print()
    print_table(table)
    save(args.cache / "results" / f"pipe-{data.name}.json", env, table)
    return 0


def measure_safely(case: Case, bucket: Path, data: Path, args: argparse.Namespace, reps: int) -> Result:
    runs = args.cache / "runs" / data.name / case.name
    try:
        return measure(case, bucket, runs, reps, not args.no_divbase)
    except BenchError as exc:
        print(f"{case.name}: FAILED: {exc}", file=sys.stderr)
        res = Result(case)
        res.error = "FAILED (see stderr)"
        return res


if __name__ == "__main__":
    sys.exit(main())
