"""Property tests: the validator only ever raises CommandRejected, and what it accepts is safe."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from divbase.core import command_options as table
from divbase.core.command import parse_command
from divbase.core.errors import CommandRejected

_ALLOWED = {opt.canonical for opt in table.OPTIONS if opt.refusal is None} - {"-s"}

_OPTION_WORDS = (
    [f"-{c}" for c in table.SHORT_OPTSTRING if c != ":"]
    + [f"--{name}" for name in table.LONG]
    + ["--out", "--reg", "--thr", "--sam", "-W", "-A", "--write-index", "--", "-", "-Gox.vcf", "-m2", "-HOz"]
)
_VALUES = [
    "1",
    "chr1:1-100",
    "QUAL>20",
    "'FILTER=\"A;B\"'",
    "snps",
    "0.05:minor",
    "^miss",
    "a.vcf.gz",
    "x.BCF",
    "@ids.txt",
    "ID=@f",
    "http://x/a",
    "|",
    ">",
    "$(id)",
    "`id`",
    "&&",
    "''",
    "S1,S2",
    "/etc/passwd",
]
_WORDS = st.sampled_from(["view", "view", "view", "merge", "+fill-tags", ";", *_OPTION_WORDS, *_VALUES])
_TOKENISH = st.lists(_WORDS, max_size=12).map(" ".join)
_ATTACHED = st.tuples(st.sampled_from(_OPTION_WORDS), st.sampled_from(["", "=", *_VALUES])).map("".join)
_MIXED = st.lists(st.one_of(_WORDS, _ATTACHED), max_size=10).map(lambda words: "view " + " ".join(words))


def _assert_safe(text: str, all_samples: bool) -> None:
    try:
        command = parse_command(text, all_samples=all_samples)
    except CommandRejected as exc:
        assert exc.message
        return
    assert command.text == text
    for index, segment in enumerate(command.segments):
        assert not (all_samples and segment.has_placeholder)
        for name, value in segment.pairs():
            assert name in _ALLOWED
            if value is None:
                continue
            lowered = value.lower()
            assert "@" not in value
            assert "://" not in value
            assert not lowered.endswith((".vcf", ".vcf.gz", ".bcf"))
            assert not value.startswith("-")
        argv = command.argv(index, ["S1"])
        assert argv[0] == "view"
        assert argv.count("-s") <= 1


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), all_samples=st.booleans())
def test_arbitrary_text_is_accepted_safely_or_rejected(text: str, all_samples: bool) -> None:
    _assert_safe(text, all_samples)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_TOKENISH, _MIXED), all_samples=st.booleans())
def test_option_like_text_is_accepted_safely_or_rejected(text: str, all_samples: bool) -> None:
    _assert_safe(text, all_samples)


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(_OPTION_WORDS), min_size=1, max_size=6))
def test_accepted_segments_are_reparsed_identically(words: list[str]) -> None:
    try:
        command = parse_command("view " + " ".join(words))
    except CommandRejected:
        return
    again = parse_command("; ".join(segment.display() for segment in command.segments))
    assert again.segments == command.segments
