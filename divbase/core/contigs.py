"""Contig names and orders: which contig a region names, and the contig order of a combined result.

Contig names may hold ':' (GRCh38's `HLA-A*01:01:01:01`), which bcftools 1.16 cannot parse in `-r`
text (not even as `{name}`), so divbase passes every region, the user's `-r` included, to bcftools as a
tab-separated regions file (`regions_file`) and never writes `name:start-end` text. Pure: no I/O.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from divbase.core.dimensions import FileDims

_RANGE = re.compile(r"(\d+)(-(\d*))?")
WHOLE_CONTIG_END = 2_147_483_647
"""End coordinate of a whole-contig line in a regions file (the largest VCF position BCF can hold)."""

Region = tuple[str, int, int]
"""Contig, first and last position (1-based, inclusive), as a line of a bcftools regions file."""


def parse_region(item: str, known: Iterable[str] = ()) -> Region:
    """A `-r` item as bcftools means it: 'chr1' (whole contig), 'chr1:100' (one position), 'chr1:100-'
    (to the end), 'chr1:100-200'; '{name}:1-2' or a known contig name for names holding ':'."""
    item = item.strip()
    if item.startswith("{") and "}" in item:
        name, rest = item[1 : item.index("}")], item[item.index("}") + 1 :]
        span = rest[1:] if rest.startswith(":") else ""
    elif item in set(known):
        name, span = item, ""
    else:
        name, colon, span = item.rpartition(":")
        if not (colon and _RANGE.fullmatch(span)):
            name, span = item, ""
    match = _RANGE.fullmatch(span)
    if match is None:
        return name, 1, WHOLE_CONTIG_END
    begin = int(match.group(1))
    end = begin if match.group(2) is None else int(match.group(3) or WHOLE_CONTIG_END)
    return name, begin, end


def parse_regions(value: str, known: Iterable[str] = ()) -> tuple[Region, ...]:
    names = set(known)
    return tuple(parse_region(item, names) for item in value.split(",") if item.strip())


def region_contig(item: str, known: Iterable[str] = ()) -> str:
    """The contig a `-r` item names ('{chr:1}:1-2' -> 'chr:1', 'chr1:1-2' -> 'chr1')."""
    return parse_region(item, known)[0]


def region_contigs(value: str, known: Iterable[str] = ()) -> list[str]:
    """Contigs of one `-r` value, in list order, once each."""
    names = set(known)
    return list(dict.fromkeys(region_contig(i, names) for i in value.split(",") if i.strip()))


def declared(f: FileDims) -> tuple[str, ...]:
    """The contigs a part's output header lists: its ##contig lines, then contigs with records but no
    ##contig line (htslib adds those from the index, in index order)."""
    extra = [c for c in f.scaffolds if c not in set(f.header_contigs)]
    return (*f.header_contigs, *extra)


def union(lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """Ordered union: each name where it is first seen."""
    return tuple(dict.fromkeys(name for names in lists for name in names))


def ranks(order: Sequence[str]) -> dict[str, int]:
    return {name: rank for rank, name in enumerate(order)}


def in_order(contigs: Sequence[str], rank: dict[str, int]) -> bool:
    """True when `contigs` (record blocks, in output order) follow `rank` strictly."""
    positions = [rank[c] for c in contigs]
    return all(a < b for a, b in itertools.pairwise(positions))


def whole(contigs: Iterable[str]) -> tuple[Region, ...]:
    return tuple((name, 1, WHOLE_CONTIG_END) for name in contigs)


def regions_file(regions: Sequence[Region]) -> str:
    """A bcftools regions file (`-R`): tab-separated, so no contig name can be misread; contigs are read
    in the order they first appear."""
    return "".join(f"{name}\t{begin}\t{end}\n" for name, begin, end in regions)
