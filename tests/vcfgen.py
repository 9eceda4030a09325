"""Write small VCFs for tests: one truth table, split into files any way a bucket may hold them."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = [
    "##fileformat=VCFv4.2",
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=q10,Description="Quality below 10">',
    '##INFO=<ID=MQ,Number=1,Type=Integer,Description="Mapping quality">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
]


@dataclass(frozen=True)
class Record:
    contig: str
    pos: int
    id: str
    ref: str
    alt: str
    qual: int
    filter: str
    calls: dict[str, tuple[str, int]]  # sample -> (GT, DP)

    def line(self, samples: Sequence[str]) -> str:
        fixed = [self.contig, str(self.pos), self.id, self.ref, self.alt, str(self.qual), self.filter, "MQ=60"]
        return "\t".join([*fixed, "GT:DP", *(f"{self.calls[s][0]}:{self.calls[s][1]}" for s in samples)])


def write_vcf(
    path: Path,
    contigs: Sequence[str],
    samples: Sequence[str],
    records: Sequence[Record],
    declare: Sequence[str] | None = None,
) -> Path:
    """A bgzipped VCF: `declare` lists the ##contig lines (default: `contigs`); records in the given order."""
    lines = [*HEADER, *(f"##contig=<ID={c}>" for c in (contigs if declare is None else declare))]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    lines += [r.line(samples) for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.with_suffix("")  # x.vcf.gz -> x.vcf
    text.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", str(text)], check=True)
    return path
