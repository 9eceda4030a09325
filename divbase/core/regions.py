"""Prune a query's files by the contigs its `-r` regions name, and warn about contigs no file has."""

from __future__ import annotations

from collections.abc import Sequence

from divbase.core import contigs as ctg
from divbase.core.command import Command
from divbase.core.plan import Part


def named_contigs(command: Command, known: Sequence[str]) -> list[str] | None:
    """Contigs named by every `-r` of the command, first-seen order; None without `-r`."""
    values = [v for s in command.segments for name, v in s.pairs() if name == "-r" and v is not None]
    if not values:
        return None
    return list(ctg.union(ctg.region_contigs(v, known) for v in values))


def prune_by_region(parts: list[Part], command: Command) -> tuple[list[Part], list[str]]:
    """Keep the files holding at least one contig named by `-r` (every file without `-r`); warnings.

    When no selected file holds any named contig, every file is kept: the result is then empty but has
    the selected samples' columns, and the warning says why."""
    known = list(ctg.union(p.file.scaffolds for p in parts))
    named = named_contigs(command, known)
    if named is None:
        return parts, []
    held = set(known)
    absent = [c for c in named if c not in held]
    warnings = []
    if absent:
        listed = ", ".join(f"'{c}'" for c in absent)
        warnings.append(
            f"No selected VCF file has records on contig(s) {listed} named by -r; "
            "list the contigs with 'divbase dimensions show --unique-scaffolds'."
        )
    kept = [p for p in parts if held.intersection(p.file.scaffolds) & set(named)]
    return (kept or parts), warnings
