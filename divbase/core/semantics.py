"""Which parts of a user's `view` command depend on the selected samples, and where each part runs.

bcftools evaluates `-c/-q/-g/-u/...` on the samples of the file it reads, and `-i/-e` even before
`-s` subsets them. Run per file before a merge of different sample sets, such a filter keeps a site in
one file and drops it in another, and the merge then invents missing genotypes. divbase therefore
gives every sample-dependent option one meaning in every bucket layout: *evaluated on the selected
samples, together*. The command is staged:

- per file: sample selection, regions/targets and the site-only filters of every segment up to the
  first sample-dependent one (they give the same answer whatever the samples);
- after the selection (and after the merge, when files hold different samples): the sample-dependent
  options, and every segment that follows them, in the user's order.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from divbase.core.command import Command
from divbase.core.command_options import HEADER_ONLY_EFFECT
from divbase.core.errors import CommandRejected

# Options that select records by position or change how samples are subset: they stay with the
# per-file read whatever else the segment holds (records are filtered, never changed, by them).
SELECTION = frozenset({"-r", "-t", "--regions-overlap", "--targets-overlap", "-I", "--no-version", "--with-header"})

# Site-only filters: their verdict depends on CHROM/POS/ID/REF/ALT/QUAL/FILTER only.
SITE_ONLY = frozenset({"-f", "-k", "-n", "-m", "-M", "-v", "-V"})

# `-x/-X` compare the selected samples with the file's other samples: they need `-s` in the same run.
WITH_SELECTION = frozenset({"-x", "-X"})

# Everything else (-c/-C -q/-Q -g -u/-U -a -p/-P -G) depends on the selected samples.

_SITE_WORDS = frozenset(
    {"CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "TYPE", "N_ALT", "ILEN", "PASS", "abs", "strlen"}
)
"""Identifiers whose value does not depend on samples (bare or as `%NAME`)."""

_SAMPLE_INFO = frozenset({"AC", "AN", "AF", "MAF", "AC_HET", "AC_HOM", "AC_HEMI", "NS", "DP", "F_MISSING"})
"""INFO tags that describe the samples (recomputed by subsetting or merging, or commonly derived)."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_WORD = re.compile(r"%?[A-Za-z_][A-Za-z0-9_./]*")


def expression_is_site_only(expression: str) -> bool:
    """True when a `-i/-e` expression reads only site fields (unsure means False).

    Site fields: CHROM, POS, ID, REF, ALT, QUAL, FILTER, TYPE, N_ALT, ILEN and `INFO/<tag>` for tags that
    do not describe the samples. Bare tag names are refused as site-only: bcftools may resolve them to
    a FORMAT field."""
    text = _STRING.sub(" ", expression)
    for match in _WORD.finditer(text):
        word = match.group().lstrip("%")
        before = text[match.start() - 1] if match.start() else ""
        if before.isdigit() or before == ".":
            continue  # the exponent of a number such as 1e-5
        if word in _SITE_WORDS:
            continue
        head, slash, tag = word.partition("/")
        if slash and head.upper() == "INFO" and tag and "/" not in tag and tag.upper() not in _SAMPLE_INFO:
            continue
        return False
    return True


def sample_dependent(name: str, value: str | None) -> bool:
    """True when option `name` (canonical spelling) gives a different verdict for other samples."""
    if name in ("-i", "-e"):
        return not expression_is_site_only(value or "")
    return name not in SELECTION and name not in SITE_ONLY


@dataclass(frozen=True)
class View:
    """One `bcftools view` run of a staged command: options (no input, output or format) and whether the
    selected samples are given to it."""

    args: tuple[str, ...]
    select: bool = False

    @property
    def regions(self) -> bool:
        return "-r" in self.args

    @property
    def changes_records(self) -> bool:
        return any(a.startswith("-") and a not in HEADER_ONLY_EFFECT for a in self.args)


@dataclass(frozen=True)
class Stages:
    """The command as runs: `per_file` on each input (with the samples), `after` on the selected samples."""

    per_file: tuple[View, ...]
    after: tuple[View, ...]

    @property
    def needs_samples_together(self) -> bool:
        return bool(self.after)


def stage(command: Command, selecting: bool) -> Stages:
    """Split `command` into per-file runs and runs that need the selected samples together.

    `selecting`: samples are chosen with `-s` (False in all-samples mode). The samples go to the segment
    with the `-s` placeholder, else to the first."""
    placeholder = next((i for i, s in enumerate(command.segments) if s.has_placeholder), 0)
    per_file: list[View] = []
    after: list[View] = []
    dependent = False
    for index, segment in enumerate(command.segments):
        pairs = segment.pairs()
        select = selecting and index == placeholder
        dependent = dependent or any(sample_dependent(name, value) for name, value in pairs)
        if not dependent:
            per_file.append(View(_flat(pairs), select))
            continue
        kept = [p for p in pairs if p[0] in SELECTION or p[0] in WITH_SELECTION]
        moved = [p for p in pairs if p not in kept]
        if kept or select:
            per_file.append(View(_flat(kept), select))
        if moved:
            after.append(View(_flat(moved)))
    return Stages(tuple(per_file), tuple(after))


def check_mergeable(stages: Stages) -> None:
    """Refuse options that cannot mean anything sensible across files of different samples."""
    private = [a for v in stages.per_file for a in v.args if a in WITH_SELECTION]
    if private:
        raise CommandRejected(
            f"{private[0]} compares the selected samples with the other samples of the same file, but this "
            "query merges files that hold different samples.",
            "Drop -x/-X, or narrow the query to files with one sample set (e.g. with -r or the sample filter).",
        )


def _flat(pairs: Sequence[tuple[str, str | None]]) -> tuple[str, ...]:
    return tuple(x for name, value in pairs for x in ((name,) if value is None else (name, value)))
