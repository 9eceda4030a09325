#!/usr/bin/env python3
"""Write the tiny, deterministic divbase example project (stdlib + the bgzip binary).

    python examples/generate.py [OUT_DIR]        # default: examples/data next to this script

Files written (see examples/README.md):
  chr1.vcf.gz, chr2.vcf.gz          8 samples in the same order: the concat case
  batch2/chr1_new_samples.vcf.gz    4 other samples on chr1: the merge case
  sample_metadata.tsv               Area, Sex, Year and a list-valued Habitat column

Same seed, same bytes: the VCF text is built from a seeded random.Random and compressed with
`bgzip -c`, whose output is deterministic for identical input.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20240611
CONTIG_LENGTHS = {"chr1": 100_000, "chr2": 80_000}
BASES = "ACGT"

# (sample id, Area, Sex, Year, Habitat). "007" is a numeric-looking id that must stay a string.
MAIN_SAMPLES = [
    ("S01", "North", "F", 2003, ["reef", "kelp"]),
    ("S02", "North", "M", 2005, ["reef"]),
    ("S03", "South", "F", 2008, ["sand"]),
    ("S04", "South", "M", 2010, ["kelp", "sand"]),
    ("S05", "East", "F", 2012, ["reef"]),
    ("S06", "East", "M", 2014, ["kelp"]),
    ("007", "North", "F", 2019, ["reef", "sand"]),
    ("S08", "South", "M", 2020, ["kelp"]),
]
BATCH2_SAMPLES = [
    ("S09", "West", "F", 2001, ["kelp"]),
    ("S10", "West", "M", 2006, ["reef", "kelp"]),
    ("S11", "West", "F", 2016, ["sand"]),
    ("S12", "West", "M", 2018, ["reef"]),
]


@dataclass(frozen=True)
class Site:
    chrom: str
    pos: int
    ref: str
    alt: str
    qual: int
    alt_freq: float


def make_sites(rng: random.Random, chrom: str, count: int) -> list[Site]:
    """`count` biallelic SNPs at distinct sorted positions on `chrom`."""
    positions = sorted(rng.sample(range(1_000, CONTIG_LENGTHS[chrom] - 1_000), count))
    sites = []
    for pos in positions:
        ref = rng.choice(BASES)
        alt = rng.choice([b for b in BASES if b != ref])
        sites.append(Site(chrom, pos, ref, alt, rng.randint(10, 99), rng.uniform(0.05, 0.6)))
    return sites


def genotype(rng: random.Random, alt_freq: float) -> str:
    """One diploid, unphased GT; about 2% missing."""
    if rng.random() < 0.02:
        return "./."
    alleles = sorted(int(rng.random() < alt_freq) for _ in range(2))
    return f"{alleles[0]}/{alleles[1]}"


def header(samples: list[str]) -> str:
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        "##source=divbase-examples-generate.py",
        *(f"##contig=<ID={name},length={length}>" for name, length in CONTIG_LENGTHS.items()),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    return "\n".join(lines) + "\n"


def vcf_text(rng: random.Random, sites: list[Site], samples: list[str]) -> str:
    rows = []
    for s in sites:
        gts = [genotype(rng, s.alt_freq) for _ in samples]
        fixed = [s.chrom, str(s.pos), f"{s.chrom}_{s.pos}", s.ref, s.alt, str(s.qual), "PASS", ".", "GT"]
        rows.append("\t".join(fixed + gts) + "\n")
    return header(samples) + "".join(rows)


def write_bgzip(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        subprocess.run(["bgzip", "-c"], input=text.encode(), stdout=out, check=True)


def batch2_sites(rng: random.Random, chr1_sites: list[Site]) -> list[Site]:
    """Most chr1 sites of the main batch (same alleles) plus a few of its own: a realistic merge."""
    shared = [s for s in chr1_sites if rng.random() < 0.8]
    taken = {s.pos for s in chr1_sites}
    own = [s for s in make_sites(rng, "chr1", 6) if s.pos not in taken]
    return sorted(shared + own, key=lambda s: s.pos)


def metadata_tsv() -> str:
    lines = ["#Sample_ID\tArea\tSex\tYear\tHabitat"]
    for sample, area, sex, year, habitat in MAIN_SAMPLES + BATCH2_SAMPLES:
        cell = "[" + ", ".join(f'"{h}"' for h in habitat) + "]"
        lines.append(f"{sample}\t{area}\t{sex}\t{year}\t{cell}")
    return "\n".join(lines) + "\n"


def generate(out: Path, seed: int = SEED) -> list[Path]:
    rng = random.Random(seed)
    main = [s[0] for s in MAIN_SAMPLES]
    batch2 = [s[0] for s in BATCH2_SAMPLES]
    chr1 = make_sites(rng, "chr1", 30)
    chr2 = make_sites(rng, "chr2", 24)
    files = {
        out / "chr1.vcf.gz": vcf_text(rng, chr1, main),
        out / "chr2.vcf.gz": vcf_text(rng, chr2, main),
        out / "batch2" / "chr1_new_samples.vcf.gz": vcf_text(rng, batch2_sites(rng, chr1), batch2),
    }
    for path, text in files.items():
        write_bgzip(text, path)
    tsv = out / "sample_metadata.tsv"
    tsv.write_text(metadata_tsv(), encoding="utf-8")
    return [*files, tsv]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the tiny divbase example project.")
    default = Path(__file__).resolve().parent / "data"
    parser.add_argument("out", nargs="?", type=Path, default=default, help=f"output dir (default {default})")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.seed):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
