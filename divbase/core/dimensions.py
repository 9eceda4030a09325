"""VCF dimensions: what divbase knows about each VCF object, and what is new, changed or gone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from divbase.core.ports import ObjectInfo

RESULT_PREFIX = "result_of_job_"
VCF_SUFFIXES = (".vcf.gz", ".vcf")
SKIP_DIVBASE_RESULT = "divbase_generated"


@dataclass(frozen=True)
class FileDims:
    """Dimensions of one indexed VCF object version."""

    key: str
    version: str
    size: int
    samples: tuple[str, ...]
    scaffolds: tuple[str, ...]
    """Contigs holding records, in the order their record blocks appear in the file.

    `bcftools index -s` lists them in that order for bgzipped VCF: its tabix-style CSI numbers contigs
    as they appear (checked on the scrambled-scaffold-order fixture)."""
    header_contigs: tuple[str, ...]
    """Contigs declared by ##contig lines, in header order."""
    variant_count: int


@dataclass(frozen=True)
class Skipped:
    """A VCF object that is not indexed, and why."""

    key: str
    version: str
    reason: str


@dataclass(frozen=True)
class Dimensions:
    """The dimensions index of one project: indexed files sorted by key, plus skipped files."""

    files: tuple[FileDims, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def by_key(self) -> dict[str, FileDims]:
        return {f.key: f for f in self.files}

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        """The index as `dimensions show --json` and the API print it."""
        files = [{**asdict(f), "sample_count": len(f.samples)} for f in self.files]
        skipped = [asdict(s) for s in self.skipped]
        return {"files": files, "skipped": skipped}

    def all_samples(self) -> list[str]:
        """Every sample, first seen in key order then header order."""
        return list(dict.fromkeys(s for f in self.files for s in f.samples))


@dataclass(frozen=True)
class UpdatePlan:
    """What a dimensions update must do."""

    to_index: tuple[ObjectInfo, ...]
    results: tuple[ObjectInfo, ...]
    unchanged: tuple[str, ...]
    deleted: tuple[str, ...]


def is_vcf_key(key: str) -> bool:
    return key.endswith(VCF_SUFFIXES)


def is_result_key(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith(RESULT_PREFIX)


def vcf_objects(objects: Iterable[ObjectInfo]) -> list[ObjectInfo]:
    """User VCF objects (divbase's own results excluded), sorted by key."""
    return sorted((o for o in objects if is_vcf_key(o.key) and not is_result_key(o.key)), key=lambda o: o.key)


def plan_update(objects: Sequence[ObjectInfo], current: Dimensions) -> UpdatePlan:
    """Incremental update: only objects whose version is not already indexed or skipped are (re)indexed."""
    known = {f.key: f.version for f in current.files}
    known.update({s.key: s.version for s in current.skipped})
    vcfs = [o for o in objects if is_vcf_key(o.key)]
    live = {o.key for o in vcfs}
    results = tuple(o for o in vcfs if is_result_key(o.key) and known.get(o.key) != o.version)
    to_index = tuple(o for o in vcfs if not is_result_key(o.key) and known.get(o.key) != o.version)
    unchanged = tuple(o.key for o in vcfs if known.get(o.key) == o.version)
    deleted = tuple(sorted(k for k in known if k not in live))
    return UpdatePlan(to_index=to_index, results=results, unchanged=unchanged, deleted=deleted)


@dataclass(frozen=True)
class Staleness:
    """Objects that differ from the dimensions index."""

    new_or_changed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.new_or_changed)


def staleness(objects: Sequence[ObjectInfo], current: Dimensions) -> Staleness:
    """Freshness check before a query: any user VCF not indexed (or skipped) at its current version."""
    known = {f.key: f.version for f in current.files}
    known.update({s.key: s.version for s in current.skipped})
    changed = [o.key for o in vcf_objects(objects) if known.get(o.key) != o.version]
    return Staleness(new_or_changed=changed)


def parse_header(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(samples, header contigs) from VCF header text. Raises ValueError for a header without #CHROM."""
    contigs: list[str] = []
    for line in text.splitlines():
        if line.startswith("##contig=<"):
            name = _contig_id(line)
            if name:
                contigs.append(name)
        elif line.startswith("#CHROM"):
            return tuple(line.rstrip("\r").split("\t")[9:]), tuple(contigs)
    raise ValueError("no #CHROM header line")


def _contig_id(line: str) -> str | None:
    body = line[len("##contig=<") :].rstrip(">")
    for part in body.split(","):
        name, _, value = part.partition("=")
        if name.strip() == "ID":
            return value.strip()
    return None


def duplicate_samples(samples: Sequence[str]) -> list[str]:
    return sorted(name for name, n in Counter(samples).items() if n > 1)
