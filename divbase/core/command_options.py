"""The bcftools 1.16 `view` option table and divbase's verdict on each option.

Mirrors `main_vcfview` in bcftools 1.16 `vcfview.c`: the getopt_long short-option string and the
long-option table (including the `--output-file` alias of `-o`). 1.16 has no `-W/--write-index`,
`--verbosity` or `-A/--trim-unseen-allele`; those are unknown options here too, with a friendlier
message. Also the user-facing messages and value checks shared with divbase.core.command.
Pure data and lookups: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# getopt_long short options of `bcftools view` 1.16 (a letter followed by ':' takes a value).
SHORT_OPTSTRING = "l:t:T:r:R:o:O:s:S:Gf:knv:V:m:M:auUhHc:C:Ii:e:xXpPq:Q:g:"

NO_FILENAMES = (
    "Do not provide VCF/BCF input filenames in '--command'; DivBase resolves input files from project dimensions."
)
NO_STDIN = "Do not use stdin '-' in '--command'; DivBase resolves input files from project dimensions."
EMPTY = "--command needs a non-empty bcftools view string, e.g. 'view -s'"
HINT = (
    "divbase runs only `bcftools view` with allow-listed options written out in full; "
    "input files, output, samples and resources are handled by divbase."
)
SAMPLES_GIVEN = (
    "Do not provide sample names in --command; select samples with "
    "--samples/--samples-file/--tsv-filter/--all-samples (a bare '-s' marks where they go)"
)
FULL_SPELLING = "write options out in full"
_OUTPUT = "output file, output type, compression and index are handled by divbase"
_FILES = "external files are not supported; give the values inline with -r/--regions or -t/--targets"


@dataclass(frozen=True)
class Option:
    """One `bcftools view` option: its spellings, whether it takes a value, and divbase's verdict."""

    short: str | None
    longs: tuple[str, ...]
    takes_value: bool
    refusal: str | None = None  # None: allowed

    @property
    def canonical(self) -> str:
        """The spelling divbase writes: the short form when there is one, else the long form."""
        return f"-{self.short}" if self.short else f"--{self.longs[0]}"

    @property
    def label(self) -> str:
        """Every spelling, for messages: '-r/--regions'."""
        names = [f"-{self.short}"] if self.short else []
        return "/".join(names + [f"--{name}" for name in self.longs])


OPTIONS: tuple[Option, ...] = (
    # Output options
    Option("G", ("drop-genotypes",), False),
    Option(
        "h",
        ("header-only",),
        False,
        "header-only output is not supported; download the file and run `bcftools view -h` locally",
    ),
    Option("H", ("no-header",), False, "the result is a VCF with its header; drop -H (strip it later if needed)"),
    Option(None, ("with-header",), False),
    Option("l", ("compression-level",), True, _OUTPUT),
    Option(None, ("no-version",), False),
    Option(
        "o",
        ("output", "output-file"),
        True,
        f"{_OUTPUT}; use `divbase run bcftools-pipe -o PATH` to also write the result to PATH",
    ),
    Option("O", ("output-type",), True, _OUTPUT),
    Option("r", ("regions",), True),
    Option("R", ("regions-file",), True, _FILES),
    Option(None, ("regions-overlap",), True),
    Option("t", ("targets",), True),
    Option("T", ("targets-file",), True, _FILES),
    Option(None, ("targets-overlap",), True),
    Option(None, ("threads",), True, "threads are set by divbase"),
    # Subset options
    Option("a", ("trim-alt-alleles",), False),
    Option("I", ("no-update",), False),
    Option("s", ("samples",), True),  # only as the bare placeholder; see divbase.core.command
    Option("S", ("samples-file",), True, "use `divbase run bcftools-pipe --samples-file` instead"),
    Option(
        None,
        ("force-samples",),
        False,
        "divbase checks sample names against the dimensions index itself; remove it",
    ),
    # Filter options
    Option("c", ("min-ac",), True),
    Option("C", ("max-ac",), True),
    Option("f", ("apply-filters",), True),
    Option("g", ("genotype",), True),
    Option("i", ("include",), True),
    Option("e", ("exclude",), True),
    Option("k", ("known",), False),
    Option("n", ("novel",), False),
    Option("m", ("min-alleles",), True),
    Option("M", ("max-alleles",), True),
    Option("p", ("phased",), False),
    Option("P", ("exclude-phased",), False),
    Option("q", ("min-af",), True),
    Option("Q", ("max-af",), True),
    Option("u", ("uncalled",), False),
    Option("U", ("exclude-uncalled",), False),
    Option("v", ("types",), True),
    Option("V", ("exclude-types",), True),
    Option("x", ("private",), False),
    Option("X", ("exclude-private",), False),
)

SHORT: dict[str, Option] = {opt.short: opt for opt in OPTIONS if opt.short}
LONG: dict[str, Option] = {name: opt for opt in OPTIONS for name in opt.longs}
BY_CANONICAL: dict[str, Option] = {opt.canonical: opt for opt in OPTIONS}
SAMPLES = SHORT["s"]

# Options of later bcftools releases that 1.16 does not know: refused with a specific message.
NOT_IN_1_16: dict[str, str] = {
    "-W": "index writing is handled by divbase",
    "--write-index": "index writing is handled by divbase",
    "--verbosity": "verbosity is set by divbase",
    "-A": "not available in bcftools 1.16",
    "--trim-unseen-allele": "not available in bcftools 1.16",
}

# Options that change neither records nor columns (only the `##` header lines).
HEADER_ONLY_EFFECT = frozenset({"--no-version", "--with-header"})

# bcftools refuses these pairs ("Only one of ... can be given").
CONFLICTS: tuple[tuple[str, str], ...] = (
    ("-i", "-e"),
    ("-x", "-X"),
    ("-u", "-U"),
    ("-p", "-P"),
    ("-v", "-V"),
)

_ALLELE = r"(:(nref|alt1|minor|major|nonmajor))?"
_FLOAT = r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_TYPE = r"(snps|indels|mnps|ref|bnd|other)"
_TYPES = (re.compile(f"{_TYPE}(,{_TYPE})*"), "a comma-separated list of snps, indels, mnps, ref, bnd, other")
_OVERLAP = (re.compile(r"(?i)[012]|pos|record|variant"), "0, 1, 2, pos, record or variant")

# Value formats bcftools 1.16 accepts (sometimes stricter), so mistakes fail before anything runs.
VALUE_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "-m": (re.compile(r"\d+"), "an integer, e.g. 2"),
    "-M": (re.compile(r"\d+"), "an integer, e.g. 2"),
    "-c": (re.compile(r"\d+" + _ALLELE), "INT[:nref|alt1|minor|major|nonmajor], e.g. 2:minor"),
    "-C": (re.compile(r"\d+" + _ALLELE), "INT[:nref|alt1|minor|major|nonmajor], e.g. 2:minor"),
    "-q": (re.compile(_FLOAT + _ALLELE), "FLOAT[:nref|alt1|minor|major|nonmajor], e.g. 0.05:minor"),
    "-Q": (re.compile(_FLOAT + _ALLELE), "FLOAT[:nref|alt1|minor|major|nonmajor], e.g. 0.05:minor"),
    "-g": (re.compile(r"(?i)\^?(hom|het|miss)"), "one of hom, het, miss, ^hom, ^het, ^miss"),
    "-v": _TYPES,
    "-V": _TYPES,
    "--regions-overlap": _OVERLAP,
    "--targets-overlap": _OVERLAP,
}


def lookup_long(name: str) -> tuple[Option | None, tuple[str, ...]]:
    """Resolve a long option name as glibc getopt_long does.

    Returns (option, matching names): an exact match gives ((option), (name,)); an unambiguous
    abbreviation gives (option, every name it prefixes); an ambiguous one (None, candidates);
    an unknown one (None, ()).
    """
    if name in LONG:
        return LONG[name], (name,)
    if not name:
        return None, ()
    names = tuple(long for long in LONG if long.startswith(name))
    targets = {LONG[long] for long in names}
    if len(targets) == 1:
        return targets.pop(), names
    return None, names


# Messages and value checks shared by divbase.core.command.

SHELL_MARKS = ("|", "&", ">", "<", "`", "$(", "${")

FILE_SUFFIXES = (".vcf", ".vcf.gz", ".bcf")


def show(token: str) -> str:
    shown = token if len(token) <= 80 else token[:77] + "..."
    return f"'{shown}'" if shown.isprintable() else repr(shown)


def shell_note(token: str) -> str:
    if any(mark in token for mark in SHELL_MARKS):
        return " (shell syntax is not supported: divbase runs bcftools without a shell)"
    return ""


def is_file(value: str) -> bool:
    return value.lower().endswith(FILE_SUFFIXES)


def hazards(value: str) -> list[str]:
    """Problems with an option value whatever the option: files, URLs, control or shell syntax."""
    shown = show(value)
    out: list[str] = []
    if not value.isprintable():
        out.append(f"value {shown} contains a control character; remove it")
    if "@" in value:
        out.append(
            f"value {shown} contains '@': bcftools reads '@file' references from the server's disk; "
            "list the values inline"
        )
    if "://" in value:
        out.append(f"value {shown} looks like a URL: divbase only reads project files")
    if is_file(value):
        out.append(f"value {shown}: {NO_FILENAMES}")
    if "`" in value or "$(" in value:
        out.append(f"value {shown}{shell_note(value)}")
    return out


def unsupported_command(first: str, position: int) -> str:
    start = f"Unsupported bcftools command {show(first)} at position {position}."
    if first == "bcftools":
        return f"{start} Leave out the leading 'bcftools' and start the segment with 'view'."
    plugin = " Plugins are not allowed." if first == "plugin" or first.startswith("+") else ""
    return f"{start} Only the following commands are supported: view.{plugin}"
