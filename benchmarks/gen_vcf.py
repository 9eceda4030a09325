#!/usr/bin/env python3
"""Seeded msprime VCF generator for the divbase benchmarks (performance.md B1 and C1).

    python benchmarks/gen_vcf.py --out DIR [--samples 2000 --contigs 4 --contig-length 4000000 --seed 42]
    python benchmarks/gen_vcf.py --out DIR --small      # 200 samples, 2 contigs of 1 Mb

A 4-deme island model (Ne = 1e4 per deme, m = 1e-3, mu = rho = 1e-8); the demes are the metadata
Areas East/North/South/West (alphabetical, so the by_group merge keeps the whole file's sample order).
Writes, all bgzipped with a CSI index, every header carrying every ##contig line:

    whole/all.vcf.gz            all contigs, all samples
    by_contig/<contig>.vcf.gz   one contig, all samples (the concat case)
    by_group/<Area>.vcf.gz      all contigs, the samples of one Area (the merge case)
    sample_metadata.tsv         #Sample_ID, Area, Sex, Year
    query_samples_100.txt       25 samples per Area, in header order
    params.json                 the parameters, site count and generation time (written last)

Genotype text is built with numpy and piped to `bgzip -@2 -c`. Each contig body is compressed once:
the by_contig files and the whole file are BGZF concatenations of one header member and the bodies.
The output is deterministic for a given set of parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import msprime
import numpy as np

AREAS = ["East", "North", "South", "West"]
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
CHUNK_SITES = 2000
QUERY_PER_AREA = 25
SMALL = {"samples": 200, "contigs": 2, "contig_length": 1_000_000}
MAIN = {"samples": 2000, "contigs": 4, "contig_length": 4_000_000}


@dataclass
class Params:
    samples: int
    contigs: int
    contig_length: int
    seed: int
    sites: int = 0
    seconds: float = 0.0

    @property
    def contig_names(self) -> list[str]:
        return [f"chr{i + 1}" for i in range(self.contigs)]

    @property
    def per_area(self) -> int:
        return self.samples // len(AREAS)

    def sample_names(self, area: str) -> list[str]:
        return [f"{area}_{i:04d}" for i in range(self.per_area)]

    def same_data(self, other: Params) -> bool:
        keys = ("samples", "contigs", "contig_length", "seed")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


@dataclass
class Chunk:
    """Up to CHUNK_SITES sites: fixed columns as text, haplotypes as an int8 matrix."""

    fixed: list[bytes]
    haplotypes: np.ndarray


def simulate(p: Params, index: int) -> Iterator[Chunk]:
    """Simulate contig `index` and yield its sites in position order."""
    demography = msprime.Demography()
    for area in AREAS:
        demography.add_population(name=area, initial_size=10_000)
    demography.set_symmetric_migration_rate(AREAS, 1e-3)
    seed = p.seed * 1000 + index + 1
    ts = msprime.sim_ancestry(
        samples={area: p.per_area for area in AREAS},
        ploidy=2,
        demography=demography,
        sequence_length=p.contig_length,
        recombination_rate=1e-8,
        random_seed=seed,
    )
    ts = msprime.sim_mutations(ts, rate=1e-8, random_seed=seed + 500)
    yield from chunks(ts.variants(copy=False), p.contig_names[index], ts.num_samples)


def chunks(variants: Iterator[object], contig: str, n_haplotypes: int) -> Iterator[Chunk]:
    buffer = np.empty((CHUNK_SITES, n_haplotypes), dtype=np.int8)
    fixed: list[bytes] = []
    for var in variants:
        alleles = var.alleles  # type: ignore[attr-defined]
        pos = int(var.site.position) + 1  # type: ignore[attr-defined]
        fixed.append(f"{contig}\t{pos}\t.\t{alleles[0]}\t{','.join(alleles[1:])}\t.\tPASS\t.\tGT\t".encode())
        buffer[len(fixed) - 1] = var.genotypes  # type: ignore[attr-defined]
        if len(fixed) == CHUNK_SITES:
            yield Chunk(fixed, buffer.copy())
            fixed = []
    if fixed:
        yield Chunk(fixed, buffer[: len(fixed)].copy())


def genotype_text(haplotypes: np.ndarray) -> np.ndarray:
    """Rows of `a|b\\t...a|b\\n` as a uint8 matrix: 4 bytes per diploid sample."""
    if haplotypes.max(initial=0) > 9 or haplotypes.min(initial=0) < 0:
        raise ValueError("allele index outside 0-9")
    n_sites, n_hap = haplotypes.shape
    out = np.empty((n_sites, n_hap * 2), dtype=np.uint8)
    out[:, 0::4] = haplotypes[:, 0::2] + ord("0")
    out[:, 1::4] = ord("|")
    out[:, 2::4] = haplotypes[:, 1::2] + ord("0")
    out[:, 3::4] = ord("\t")
    out[:, -1] = ord("\n")
    return out


def lines(fixed: list[bytes], text: np.ndarray) -> bytes:
    return b"".join(f + row.tobytes() for f, row in zip(fixed, text, strict=True))


def group_text(text: np.ndarray, group: int, per_area: int) -> np.ndarray:
    width = per_area * 4
    sub = text[:, group * width : (group + 1) * width].copy()
    sub[:, -1] = ord("\n")
    return sub


def header(p: Params, samples: list[str]) -> bytes:
    rows = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        f"##source=divbase-benchmarks-gen_vcf.py seed={p.seed}",
        *(f"##contig=<ID={name},length={p.contig_length}>" for name in p.contig_names),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    return ("\n".join(rows) + "\n").encode()


def open_bgzip(path: Path) -> subprocess.Popen[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        return subprocess.Popen(["bgzip", "-@2", "-c"], stdin=subprocess.PIPE, stdout=out)


def close_bgzip(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"bgzip exited with {proc.returncode}")


def write(proc: subprocess.Popen[bytes], data: bytes) -> None:
    stdin: IO[bytes] | None = proc.stdin
    assert stdin is not None
    stdin.write(data)


def concat_bgzf(parts: list[Path], dest: Path) -> None:
    """Concatenate BGZF files, dropping every EOF marker but the last."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        for i, part in enumerate(parts):
            data = part.read_bytes()
            if i < len(parts) - 1 and data.endswith(BGZF_EOF):
                data = data[: -len(BGZF_EOF)]
            out.write(data)


def write_contig(p: Params, index: int, body: Path, groups: list[subprocess.Popen[bytes]]) -> int:
    """Compress one contig's body (all samples) and feed the group streams; return its site count."""
    proc = open_bgzip(body)
    sites = 0
    for chunk in simulate(p, index):
        text = genotype_text(chunk.haplotypes)
        write(proc, lines(chunk.fixed, text))
        for g, group in enumerate(groups):
            write(group, lines(chunk.fixed, group_text(text, g, p.per_area)))
        sites += len(chunk.fixed)
    close_bgzip(proc)
    return sites


def write_layouts(p: Params, out: Path) -> int:
    tmp = out / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    all_samples = [s for area in AREAS for s in p.sample_names(area)]
    head = tmp / "header.gz"
    with head.open("wb") as f:
        subprocess.run(["bgzip", "-c"], input=header(p, all_samples), stdout=f, check=True)
    groups = [open_bgzip(out / "by_group" / f"{area}.vcf.gz") for area in AREAS]
    for area, group in zip(AREAS, groups, strict=True):
        write(group, header(p, p.sample_names(area)))
    bodies = [tmp / f"{name}.body.gz" for name in p.contig_names]
    sites = sum(write_contig(p, i, body, groups) for i, body in enumerate(bodies))
    for group in groups:
        close_bgzip(group)
    for name, body in zip(p.contig_names, bodies, strict=True):
        concat_bgzf([head, body], out / "by_contig" / f"{name}.vcf.gz")
    concat_bgzf([head, *bodies], out / "whole" / "all.vcf.gz")
    shutil.rmtree(tmp)
    return sites


def vcf_files(out: Path) -> list[Path]:
    return sorted(path for d in ("whole", "by_contig", "by_group") for path in (out / d).glob("*.vcf.gz"))


def index_all(out: Path) -> None:
    def run(path: Path) -> None:
        subprocess.run(["bcftools", "index", "-f", str(path)], check=True)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(run, vcf_files(out)))


def write_metadata(p: Params, out: Path) -> None:
    rng = np.random.default_rng(p.seed)
    rows = ["#Sample_ID\tArea\tSex\tYear"]
    query = []
    for area in AREAS:
        names = p.sample_names(area)
        sexes = rng.choice(["F", "M"], size=len(names))
        years = rng.integers(2001, 2021, size=len(names))
        rows += [f"{n}\t{area}\t{s}\t{y}" for n, s, y in zip(names, sexes, years, strict=True)]
        picked = np.sort(rng.choice(len(names), size=min(QUERY_PER_AREA, len(names)), replace=False))
        query += [names[i] for i in picked]
    (out / "sample_metadata.tsv").write_text("\n".join(rows) + "\n")
    (out / "query_samples_100.txt").write_text("\n".join(query) + "\n")


def load_params(out: Path) -> Params | None:
    path = out / "params.json"
    if not path.exists():
        return None
    return Params(**json.loads(path.read_text()))


def generate(p: Params, out: Path) -> Params:
    """Write the data set into `out` (replacing the layouts); return `p` with sites and seconds."""
    if p.samples % len(AREAS) or p.samples < len(AREAS):
        raise ValueError(f"--samples must be a positive multiple of {len(AREAS)}")
    start = time.perf_counter()
    (out / "params.json").unlink(missing_ok=True)
    for d in ("whole", "by_contig", "by_group", ".tmp"):
        shutil.rmtree(out / d, ignore_errors=True)
    p.sites = write_layouts(p, out)
    index_all(out)
    write_metadata(p, out)
    p.seconds = round(time.perf_counter() - start, 2)
    (out / "params.json").write_text(json.dumps(asdict(p), indent=2) + "\n")
    return p


def ensure(p: Params, out: Path) -> Params:
    """Reuse the data set in `out` if it was made with the same parameters, else generate it."""
    have = load_params(out)
    if have is not None and have.same_data(p):
        return have
    return generate(p, out)


def parse_args(argv: list[str] | None) -> tuple[Params, Path]:
    parser = argparse.ArgumentParser(description="Seeded msprime VCF generator for divbase benchmarks.")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--samples", type=int, help=f"diploid samples (default {MAIN['samples']})")
    parser.add_argument("--contigs", type=int, help=f"number of contigs (default {MAIN['contigs']})")
    parser.add_argument("--contig-length", type=int, help=f"bp per contig (default {MAIN['contig_length']})")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default %(default)s)")
    parser.add_argument("--small", action="store_true", help="preset: 200 samples, 2 contigs of 1 Mb")
    args = parser.parse_args(argv)
    base = SMALL if args.small else MAIN
    p = Params(
        samples=args.samples or base["samples"],
        contigs=args.contigs or base["contigs"],
        contig_length=args.contig_length or base["contig_length"],
        seed=args.seed,
    )
    return p, args.out


def main(argv: list[str] | None = None) -> int:
    p, out = parse_args(argv)
    p = generate(p, out)
    print(f"{out}: {p.sites} sites x {p.samples} samples, {p.contigs} contigs, {p.seconds} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
