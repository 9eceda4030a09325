"""Turn bcftools stderr into errors a user can act on (upstream behaviour 5b). Pure: no processes.

`classify` looks for the messages bcftools/htslib 1.16 print for each kind of broken input (see
tests/unit/test_bcftools_errors.py for the exact lines) and returns a `TaskError` whose message says
what is wrong with `target` and whose hint says how to fix it. `short_reason` gives the one-line
form used in `<key>: <reason>` reports.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from divbase.core.errors import BcftoolsError, DivbaseError, TaskError, VcfError

MAX_DETAILS = 2000
"""Longest stderr excerpt quoted in an error message, in characters."""


class ClassifiedVcfError(VcfError):
    """A broken VCF recognised from bcftools stderr; `reason` is the one-line form."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str) -> None:
        super().__init__(message, hint)
        self.reason = reason


class ClassifiedBcftoolsError(BcftoolsError):
    """bcftools failed for a reason not tied to one known kind of broken input."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str) -> None:
        super().__init__(message, hint)
        self.reason = reason


@dataclass(frozen=True)
class _Kind:
    """One recognised failure: a stderr test, the message and hint templates, and a short reason."""

    name: str
    matches: Callable[[str], bool]
    message: str
    hint: str
    reason: str


def _any(*needles: str) -> Callable[[str], bool]:
    return lambda text: any(needle in text for needle in needles)


def _all(*needles: str) -> Callable[[str], bool]:
    return lambda text: all(needle in text for needle in needles)


def _either(*tests: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda text: any(test(text) for test in tests)


# Order matters: bcftools often prints a specific line and then a generic one ("could not parse
# header" follows both a duplicate sample name and a truncated BGZF block), so specific kinds go first.
_KINDS: tuple[_Kind, ...] = (
    _Kind(
        "unsorted",
        _any("unsorted positions", "chromosome blocks not continuous"),
        "{target} is not sorted by position and cannot be indexed by bcftools.",
        "Sort it first, for example with 'bcftools sort -Oz -o sorted.vcf.gz {name}' and upload the sorted file.",
        "not sorted by position (sort it with bcftools sort)",
    ),
    _Kind(
        "truncated",
        _either(
            _any("truncated", "eof marker is absent"),
            _all("bgzf", "failed to read"),
        ),
        "{target} appears to be corrupted or truncated and could not be read by bcftools.",
        "Check that the upload finished, then upload a complete copy of the file "
        "('bgzip -t {name}' tests a bgzip file).",
        "truncated or corrupted",
    ),
    _Kind(
        "duplicate_samples",
        _any("duplicated sample name"),
        "{target} contains duplicate sample IDs in the header and is not valid for DivBase.",
        "Please ensure all sample names in the file header (the #CHROM line) are unique, then upload the file again.",
        "duplicate sample ids in the header",
    ),
    _Kind(
        "gzip_not_bgzip",
        _any("not compressed with bgzip", "is not bgzf"),
        "{target} is gzip-compressed but not bgzip-compressed, so bcftools cannot index or query it.",
        "Please recompress with bgzip, for example 'zcat {name} | bgzip > fixed.vcf.gz', and upload the new file.",
        "not bgzip-compressed (recompress with bgzip)",
    ),
    _Kind(
        "not_indexable",
        _any("cannot be usefully indexed"),
        "{target} is not bgzip-compressed (it is plain gzip or uncompressed), so bcftools cannot index it.",
        "Please recompress with bgzip ('zcat {name} | bgzip > fixed.vcf.gz' for plain gzip, "
        "'bgzip -c file.vcf > fixed.vcf.gz' for an uncompressed VCF) and upload the new file.",
        "not bgzip-compressed (recompress with bgzip)",
    ),
    _Kind(
        "invalid_header",
        _any("could not parse header", "no sample line", "could not read vcf/bcf headers"),
        "{target} could not be read by bcftools due to an invalid VCF header.",
        "Please validate the VCF header (every meta line starts with '##', then one '#CHROM' "
        "line) and upload the corrected file.",
        "invalid VCF header",
    ),
    _Kind(
        "unknown_type",
        _any("unknown file type"),
        "{target} has invalid VCF header/content and could not be parsed by bcftools.",
        "Please validate the file format/header: it must be a bgzip-compressed VCF file.",
        "not a VCF file",
    ),
    _Kind(
        "malformed_records",
        _either(
            _any("wrong number of fields", "could not parse the line", "vcf parse error"),
            _all("number of columns", "does not match the number of samples"),
        ),
        "{target} contains malformed VCF record lines and cannot be processed by bcftools.",
        "Every record line needs the 8 fixed columns plus FORMAT and one column per sample "
        "named in the header; fix the lines reported below and upload the file again.",
        "malformed VCF record lines",
    ),
)


def classify(stderr: str, *, operation: str, target: str, returncode: int, argv: Sequence[str]) -> TaskError:
    """The user-facing error for a bcftools run that exited with `returncode` printing `stderr`.

    `operation` says what divbase was doing ("indexing", "reading the header"...), `target` names
    the file as the user knows it (the bucket key), `argv` is the full command line.
    """
    text = stderr.strip()
    if not text:
        return _empty_stderr(argv, returncode)
    lowered = _without_paths(text.lower(), [target, *argv])
    name = target.rsplit("/", 1)[-1]
    for kind in _KINDS:
        if kind.matches(lowered):
            return ClassifiedVcfError(
                kind.message.format(target=target),
                _with_details(kind.hint.format(name=name), kind.name, text),
                reason=kind.reason,
            )
    if "failed to create index" in lowered:
        return ClassifiedBcftoolsError(
            f"bcftools failed while creating an index for {target}.\nDetails from bcftools:\n{_trim(text)}",
            reason="bcftools could not create an index",
        )
    return ClassifiedBcftoolsError(
        f"bcftools failed while {operation} for {target}.\nDetails from bcftools:\n{_trim(text)}",
        reason=f"bcftools failed while {operation}: {_first_error_line(text)}",
    )


def short_reason(err: BaseException) -> str:
    """A one-line reason for `<key>: <reason>` reports."""
    reason = getattr(err, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    message = err.message if isinstance(err, DivbaseError) else str(err)
    first = message.strip().splitlines()[0] if message.strip() else type(err).__name__
    return first if len(first) <= 200 else first[:197] + "..."


def _empty_stderr(argv: Sequence[str], returncode: int) -> TaskError:
    if returncode < 0:
        detail = f"Process was killed by signal {-returncode}"
    else:
        detail = f"Process exited with code {returncode}"
    return ClassifiedBcftoolsError(
        f"bcftools command failed: '{shlex.join(argv)}' with error details: {detail}",
        reason=f"bcftools failed ({detail.lower()})",
    )


def _without_paths(lowered: str, args: Sequence[str]) -> str:
    """Blank out file names so a file called e.g. 'truncated.vcf.gz' cannot fake a match."""
    paths = sorted({a.lower() for a in args if len(a) >= 4 and ("." in a or "/" in a)}, key=len)
    for path in reversed(paths):
        lowered = lowered.replace(path, "<file>")
    return lowered


def _with_details(hint: str, kind: str, stderr: str) -> str:
    """Malformed records are fixed line by line, so the hint quotes bcftools' own report."""
    if kind != "malformed_records":
        return hint
    return f"{hint}\nDetails from bcftools:\n{_trim(stderr)}"


def _trim(stderr: str) -> str:
    if len(stderr) <= MAX_DETAILS:
        return stderr
    return stderr[:MAX_DETAILS].rstrip() + f"\n... ({len(stderr) - MAX_DETAILS} more characters)"


def _first_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith("[W::")]
    line = (errors or lines)[0]
    return line if len(line) <= 160 else line[:157] + "..."
