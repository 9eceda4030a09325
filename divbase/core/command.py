"""Validate user `bcftools view` commands and build per-file argv lists (DESIGN section 4).

A command is one or more `view` segments separated by `;` (outside quotes). Each segment is
shlex-split and then parsed with glibc getopt_long semantics against the bcftools 1.16 `view`
option table, so the validator sees exactly what bcftools would see: combined short flags
(`-Gv snps`), attached values (`-m2`, `-rchr1`), `--opt=value`, abbreviated long options. Every
resolved option is judged against an allow-list; abbreviations, unknown or refused options,
positional arguments, `@file` references, URLs, VCF/BCF file names and shell syntax are refused,
all problems in one `CommandRejected`.

Canonical form: each accepted option is written separated from its value, in its short spelling
when it has one (`--regions=chr1:1-1000` becomes `-r chr1:1-1000`), else its long spelling
(`--regions-overlap 1`). The bare `-s/--samples` placeholder is removed from `Segment.args`; its
position is kept so `Command.argv` can inject `-s S1,S2` there. Pure: no processes, no I/O.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from divbase.core import command_options as table
from divbase.core.command_options import Option
from divbase.core.command_split import split_segments
from divbase.core.errors import CommandRejected

MAX_COMMAND_CHARS = 10_000
MAX_SEGMENTS = 32
_MAX_LISTED = 50  # problems listed in one error; the count covers all


@dataclass(frozen=True)
class Segment:
    """One `view` segment in canonical form (`args` excludes 'view' and the `-s` placeholder)."""

    args: tuple[str, ...]
    has_placeholder: bool
    placeholder_index: int = 0  # where `-s LIST` goes in `args` when has_placeholder

    def pairs(self) -> list[tuple[str, str | None]]:
        """(canonical option, value or None) in order."""
        out: list[tuple[str, str | None]] = []
        i = 0
        while i < len(self.args):
            name = self.args[i]
            if table.BY_CANONICAL[name].takes_value:
                out.append((name, self.args[i + 1]))
                i += 2
            else:
                out.append((name, None))
                i += 1
        return out

    def display(self) -> str:
        """The segment as a command string, placeholder included."""
        args = list(self.args)
        if self.has_placeholder:
            args.insert(self.placeholder_index, "-s")
        return shlex.join(["view", *args])


@dataclass(frozen=True)
class Command:
    """A validated command: the user's text and its canonical segments."""

    text: str
    segments: tuple[Segment, ...]

    def argv(self, index: int, samples: Sequence[str] | None) -> list[str]:
        """`['view', ...]` for segment `index`, with `-s` injected as upstream does.

        samples None (all-samples mode): no `-s`. Otherwise `-s S1,S2` goes into every segment that
        has a placeholder, at the placeholder; without any placeholder, right after 'view' in the
        first segment only. Input and output paths are never included.
        """
        segment = self.segments[index]
        args = list(segment.args)
        if samples is not None:
            if not samples:
                raise ValueError("samples must not be empty; pass None for all samples")
            chosen = ["-s", ",".join(samples)]
            if segment.has_placeholder:
                args[segment.placeholder_index : segment.placeholder_index] = chosen
            elif index == 0 and not any(s.has_placeholder for s in self.segments):
                args[0:0] = chosen
        return ["view", *args]


def parse_command(text: str, *, all_samples: bool = False) -> Command:
    """Validate `text` and return its canonical form; raise CommandRejected listing every problem."""
    if len(text) > MAX_COMMAND_CHARS:
        raise CommandRejected(
            f"--command is {len(text)} characters long; the limit is {MAX_COMMAND_CHARS}.",
            "Shorten the command, e.g. list fewer regions per segment.",
        )
    if not text.strip():
        raise CommandRejected(table.EMPTY)
    raw_segments = split_segments(text)
    if len(raw_segments) > MAX_SEGMENTS:
        raise CommandRejected(
            f"--command has {len(raw_segments)} segments; the limit is {MAX_SEGMENTS}.",
            "Combine conditions into fewer `view` segments.",
        )
    problems: list[str] = []
    parsed: list[tuple[int, Segment]] = []
    for position, raw in enumerate(raw_segments, start=1):
        parser = _SegmentParser(position, all_samples)
        segment = parser.parse(raw)
        problems.extend(parser.problems)
        if not parser.problems:
            parsed.append((position, segment))
    problems.extend(_duplicates(parsed))
    if problems:
        raise CommandRejected(_report(problems), table.HINT)
    return Command(text, tuple(segment for _, segment in parsed))


def _duplicates(parsed: list[tuple[int, Segment]]) -> list[str]:
    positions: dict[Segment, list[int]] = {}
    for position, segment in parsed:
        positions.setdefault(segment, []).append(position)
    return [
        f"Duplicate command segment '{segment.display()}' found at positions: "
        f"{', '.join(map(str, where))}; remove the duplicates"
        for segment, where in positions.items()
        if len(where) > 1
    ]


def _report(problems: list[str]) -> str:
    shown = problems[:_MAX_LISTED]
    bullets = "".join(f"\n  • {problem}" for problem in shown)
    more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return f"--command rejected ({len(problems)} problem(s)):{bullets}{more}"


class _SegmentParser:
    """Walks one segment's tokens the way getopt_long in bcftools 1.16 `view` would."""

    def __init__(self, position: int, all_samples: bool) -> None:
        self.position = position
        self.all_samples = all_samples
        self.problems: list[str] = []
        self.args: list[str] = []
        self.seen: set[str] = set()
        self.placeholder: int | None = None
        self.any_option = False  # any option token, whatever its verdict
        self.other_option = False  # any option other than -s/--samples

    def parse(self, raw: str) -> Segment:
        tokens = self._tokens(raw)
        if tokens is not None:
            self._walk(tokens[1:])
            self._check_options()
        placeholder = self.placeholder if self.placeholder is not None else 0
        return Segment(tuple(self.args), self.placeholder is not None, placeholder)

    def _tokens(self, raw: str) -> list[str] | None:
        where = f"Pipe segment {self.position}"
        try:
            tokens = shlex.split(raw)
        except ValueError as exc:
            shown = table.show(raw.strip())
            self.problems.append(f"Could not parse --command segment at position {self.position}: {shown} ({exc})")
            return None
        if not tokens:
            self.problems.append(f"{where} is empty (a stray ';'?): {table.EMPTY}")
            return None
        if tokens[0] != "view":
            self.problems.append(table.unsupported_command(tokens[0], self.position))
            return None
        return tokens

    def _walk(self, tokens: list[str]) -> None:
        i, ended = 0, False
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if ended or token == "-" or not token.startswith("-"):
                self._positional(token)
            elif token == "--":
                ended = True
                self._fail(
                    token,
                    "the end-of-options marker '--' is not allowed: "
                    "bcftools would read what follows as input files or regions",
                )
            elif token.startswith("--"):
                self.any_option = True
                i = self._long(token, tokens, i)
            else:
                self.any_option = True
                i = self._short(token, tokens, i)

    def _positional(self, token: str) -> None:
        if token == "-":
            why = table.NO_STDIN
        elif table.is_file(token):
            why = table.NO_FILENAMES
        else:
            why = (
                "bare arguments are not allowed: bcftools would read it as an input file or region; "
                f"give regions with -r/--regions{table.shell_note(token)}"
            )
        self._fail(token, why)

    def _long(self, token: str, tokens: list[str], i: int) -> int:
        name, eq, attached = token[2:].partition("=")
        option = table.LONG.get(name)
        if option is None:
            resolved = self._bad_long(token, name)
            consumes = resolved is not None and resolved.takes_value and not eq
            return i + 1 if consumes and i < len(tokens) else i
        if option is not table.SAMPLES:
            self.other_option = True
        if eq and not option.takes_value:
            self._fail(token, f"{option.label} does not take a value; write '--{name}' alone")
        elif eq:
            self._accept(option, token, attached)
        elif option.takes_value:
            return self._separated(option, token, tokens, i)
        else:
            self._accept(option, token, None)
        return i

    def _bad_long(self, token: str, name: str) -> Option | None:
        """Report an abbreviated, ambiguous or unknown long option; return what bcftools resolves."""
        self.other_option = True
        spelled = f"--{name}"
        option, names = table.lookup_long(name)
        if option is not None:
            why = f"abbreviated option '{spelled}' is not allowed: bcftools reads it as {option.label}"
            why += f"; {table.FULL_SPELLING}"
            if option.refusal:
                why += f" ({option.label} is not allowed either: {option.refusal})"
        elif names:
            candidates = ", ".join(f"--{n}" for n in names)
            why = f"ambiguous abbreviation '{spelled}' (bcftools could read it as {candidates})"
            why += f"; {table.FULL_SPELLING}"
        else:
            extra = table.NOT_IN_1_16.get(spelled, "see `bcftools view` usage for the supported options")
            why = f"unknown option '{spelled}' for bcftools view 1.16: {extra}"
        self._fail(token, why)
        return option

    def _short(self, token: str, tokens: list[str], i: int) -> int:
        for j in range(1, len(token)):
            option = table.SHORT.get(token[j])
            if option is None:
                self.other_option = True
                extra = table.NOT_IN_1_16.get(f"-{token[j]}", "see `bcftools view` usage for the supported options")
                self._fail(token, f"unknown option '-{token[j]}' for bcftools view 1.16: {extra}")
                return i
            if option is not table.SAMPLES:
                self.other_option = True
            if not option.takes_value:
                self._accept(option, token, None)
            elif token[j + 1 :].startswith("=") and option is not table.SAMPLES:
                value = token[j + 2 :]
                self._fail(token, f"bcftools would read '={value}' as the value; write '-{token[j]} {value}'")
                return i
            elif token[j + 1 :]:
                self._accept(option, token, token[j + 1 :])
                return i
            else:
                return self._separated(option, token, tokens, i)
        return i

    def _separated(self, option: Option, token: str, tokens: list[str], i: int) -> int:
        """An option whose value is the next token (getopt takes it even if it starts with '-')."""
        following = tokens[i] if i < len(tokens) else None
        if option is table.SAMPLES and (following is None or following.startswith("-")):
            self._placeholder(token)
            return i
        if following is not None and following.startswith("-"):
            self._fail(
                token,
                f"{option.label} is followed by '{following}', which bcftools would take as its value; "
                "give the value right after the option",
            )
            return i + 1
        self._accept(option, token, following)
        return i if following is None else i + 1

    def _placeholder(self, token: str) -> None:
        if self.all_samples:
            self._fail(token, "Option '-s/--samples' is not supported together with '--all-samples'; remove it")
        elif self.placeholder is not None:
            self._fail(token, "the '-s/--samples' placeholder is given more than once; keep one")
        else:
            self.placeholder = len(self.args)

    def _accept(self, option: Option, token: str, value: str | None) -> None:
        if option is table.SAMPLES:
            if self.all_samples:
                self._fail(token, "Option '-s/--samples' is not supported together with '--all-samples'; remove it")
            else:
                self._fail(
                    token,
                    f"{table.SAMPLES_GIVEN}; got {table.show(value or '')}{table.shell_note(value or '')}",
                )
            return
        if option.refusal:
            self._fail(token, f"{option.label} is not allowed: {option.refusal}")
            return
        problems = self._value_problems(option, value) + self._repeat_problems(option)
        self.seen.add(option.canonical)
        for problem in problems:
            self._fail(token, problem)
        if not problems:
            self.args.append(option.canonical)
            if value is not None:
                self.args.append(value)

    def _value_problems(self, option: Option, value: str | None) -> list[str]:
        if not option.takes_value:
            return []
        if value is None:
            return [f"{option.label} requires a value"]
        if option.canonical in ("-r", "-t") and not value.strip(" ,"):
            return [f"{option.label} requires a non-empty region selector"]
        if value.startswith("-"):
            return [f"{option.label} value {table.show(value)} must not start with '-'"]
        problems = table.hazards(value)
        expected = table.VALUE_FORMATS.get(option.canonical)
        if not problems and expected and not expected[0].fullmatch(value):
            problems.append(f"{option.label} value {table.show(value)} is not valid: expected {expected[1]}")
        return problems

    def _repeat_problems(self, option: Option) -> list[str]:
        name = option.canonical
        if name in self.seen:
            return [f"{option.label} is given more than once in this segment; give it once"]
        return [
            f"bcftools accepts only one of {a} and {b} in a segment"
            for a, b in table.CONFLICTS
            if (name == a and b in self.seen) or (name == b and a in self.seen)
        ]

    def _check_options(self) -> None:
        where = f"Pipe segment {self.position}"
        if not self.any_option:
            self.problems.append(
                f"{where}: 'view' must include at least one bcftools view option flag (short or long form). "
                'If you only want sample-based subsetting, use --command "view -s".'
            )
        elif self.all_samples and not self.other_option:
            self.problems.append(
                f"{where}: When using all-samples mode, --command must include at least one supported "
                "bcftools view option other than '-s/--samples'; "
                "to get whole files unchanged, download them instead."
            )

    def _fail(self, token: str, why: str) -> None:
        self.problems.append(f"Pipe segment {self.position}, argument {table.show(token)}: {why}")
