"""Legitimate `--command` strings: canonical argv, sample injection, region scaffolds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from divbase.core import command_options as table
from divbase.core.command import Command, Segment, parse_command, split_segments
from divbase.core.regions import named_contigs

SAMPLES = ["S1", "S2"]

# (command, expected argv per segment with samples S1,S2 injected)
LEGITIMATE: list[tuple[str, list[list[str]]]] = [
    ("view -s", [["view", "-s", "S1,S2"]]),
    ("view -s -r 21:15000000-25000000", [["view", "-s", "S1,S2", "-r", "21:15000000-25000000"]]),
    ("view -r 21:15000000-25000000", [["view", "-s", "S1,S2", "-r", "21:15000000-25000000"]]),
    ("view -r 1,4,6,21,24", [["view", "-s", "S1,S2", "-r", "1,4,6,21,24"]]),
    ("view --regions=chr1:1-1000", [["view", "-s", "S1,S2", "-r", "chr1:1-1000"]]),
    ("view -t chr1", [["view", "-s", "S1,S2", "-t", "chr1"]]),
    ("view -t ^chr1:1-10", [["view", "-s", "S1,S2", "-t", "^chr1:1-10"]]),
    ("view --samples -i 'QUAL>20'", [["view", "-s", "S1,S2", "-i", "QUAL>20"]]),
    (
        "view -i 'FILTER=\"A;B\"'; view -r 1:1-1000",
        [["view", "-s", "S1,S2", "-i", 'FILTER="A;B"'], ["view", "-r", "1:1-1000"]],
    ),
    ("view -i 'FILTER~\"q10\"'", [["view", "-s", "S1,S2", "-i", 'FILTER~"q10"']]),
    ("view -v snps -m2 -M2", [["view", "-s", "S1,S2", "-v", "snps", "-m", "2", "-M", "2"]]),
    ("view -Gv snps", [["view", "-s", "S1,S2", "-G", "-v", "snps"]]),
    ("view -q 0.05:minor", [["view", "-s", "S1,S2", "-q", "0.05:minor"]]),
    ("view -Q 1e-3", [["view", "-s", "S1,S2", "-Q", "1e-3"]]),
    ("view -c 1", [["view", "-s", "S1,S2", "-c", "1"]]),
    ("view --min-ac 2", [["view", "-s", "S1,S2", "-c", "2"]]),
    ("view --max-ac=3:alt1", [["view", "-s", "S1,S2", "-C", "3:alt1"]]),
    ("view -g ^miss", [["view", "-s", "S1,S2", "-g", "^miss"]]),
    ("view -G", [["view", "-s", "S1,S2", "-G"]]),
    ("view -a", [["view", "-s", "S1,S2", "-a"]]),
    ("view -f PASS", [["view", "-s", "S1,S2", "-f", "PASS"]]),
    ("view -fPASS,.", [["view", "-s", "S1,S2", "-f", "PASS,."]]),
    ("view -e 'INFO/DP<10' -s", [["view", "-e", "INFO/DP<10", "-s", "S1,S2"]]),
    ("view -s; view -r 21", [["view", "-s", "S1,S2"], ["view", "-r", "21"]]),
    ("view -r 21; view -s", [["view", "-r", "21"], ["view", "-s", "S1,S2"]]),
    ("view -rchr1 -s", [["view", "-r", "chr1", "-s", "S1,S2"]]),
    ("view -Gs -r 1", [["view", "-G", "-s", "S1,S2", "-r", "1"]]),
    ("view -kn -x", [["view", "-s", "S1,S2", "-k", "-n", "-x"]]),
    ("view -G --no-version", [["view", "-s", "S1,S2", "-G", "--no-version"]]),
    ("view --with-header -I", [["view", "-s", "S1,S2", "--with-header", "-I"]]),
    (
        "view --regions-overlap variant -r 2",
        [["view", "-s", "S1,S2", "--regions-overlap", "variant", "-r", "2"]],
    ),
    ("view --targets-overlap=1 -t 2", [["view", "-s", "S1,S2", "--targets-overlap", "1", "-t", "2"]]),
    ("view -p -u -k", [["view", "-s", "S1,S2", "-p", "-u", "-k"]]),
    ("view -P -U -n -X", [["view", "-s", "S1,S2", "-P", "-U", "-n", "-X"]]),
    ("view -V indels,mnps", [["view", "-s", "S1,S2", "-V", "indels,mnps"]]),
    ("view   -r  '1' ;  view -G ", [["view", "-s", "S1,S2", "-r", "1"], ["view", "-G"]]),
    ("view -r '{chr:1}:1-2'", [["view", "-s", "S1,S2", "-r", "{chr:1}:1-2"]]),
]


@pytest.mark.parametrize(("text", "expected"), LEGITIMATE, ids=[t for t, _ in LEGITIMATE])
def test_legitimate_command_gives_canonical_argv(text: str, expected: list[list[str]]) -> None:
    command = parse_command(text)
    assert command.text == text
    assert [command.argv(i, SAMPLES) for i in range(len(command.segments))] == expected


def test_upstream_injection_examples() -> None:
    assert parse_command("view --samples -i 'QUAL>20'").argv(0, SAMPLES) == [
        "view",
        "-s",
        "S1,S2",
        "-i",
        "QUAL>20",
    ]
    assert parse_command("view -r 1").argv(0, SAMPLES) == ["view", "-s", "S1,S2", "-r", "1"]


def test_placeholder_is_kept_at_its_position_and_removed_from_args() -> None:
    command = parse_command("view -r 1 -s -i 'QUAL>20'")
    assert command.segments == (Segment(("-r", "1", "-i", "QUAL>20"), True, 2),)
    assert command.argv(0, SAMPLES) == ["view", "-r", "1", "-s", "S1,S2", "-i", "QUAL>20"]


def test_samples_go_only_into_placeholder_segments() -> None:
    command = parse_command("view -r 1; view -s -G; view -e 'QUAL<5'")
    assert command.argv(0, SAMPLES) == ["view", "-r", "1"]
    assert command.argv(1, SAMPLES) == ["view", "-s", "S1,S2", "-G"]
    assert command.argv(2, SAMPLES) == ["view", "-e", "QUAL<5"]


def test_without_placeholder_samples_go_into_first_segment_only() -> None:
    command = parse_command("view -r 1; view -G")
    assert command.argv(0, ["A"]) == ["view", "-s", "A", "-r", "1"]
    assert command.argv(1, ["A"]) == ["view", "-G"]


def test_all_samples_mode_injects_nothing() -> None:
    command = parse_command("view -r 1 -G", all_samples=True)
    assert command.argv(0, None) == ["view", "-r", "1", "-G"]
    assert parse_command("view -s -r 1").argv(0, None) == ["view", "-r", "1"]


def test_empty_sample_list_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="pass None"):
        parse_command("view -s").argv(0, [])


def test_sample_names_that_look_like_options_stay_values() -> None:
    assert parse_command("view -s").argv(0, ["-o", "x"]) == ["view", "-s", "-o,x"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("view -s", None),
        ("view -t chr1", None),
        ("view -r 1,4,6,21,24", ["1", "4", "6", "21", "24"]),
        ("view -r 21:15000000-25000000", ["21"]),
        ("view -r chr2:1-5,chr1,chr2:9-10; view -r chr3,chr1", ["chr2", "chr1", "chr3"]),
        ("view -r '{chr:1}:1-2,{plain}'", ["chr:1", "plain"]),
        ("view --regions=1:1-1000,,2", ["1", "2"]),
    ],
)
def test_named_contigs(text: str, expected: list[str] | None) -> None:
    assert named_contigs(parse_command(text), []) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("view -s", ["view -s"]),
        ("a;b; c", ["a", "b", " c"]),
        ("view -i 'A;B'; view -G", ["view -i 'A;B'", " view -G"]),
        ('view -i "A;\\"B;"; x', ['view -i "A;\\"B;"', " x"]),
        ("view -i A\\;B;x", ["view -i A\\;B", "x"]),
        ("view -i 'A\\';x", ["view -i 'A\\'", "x"]),
        ("view -s;", ["view -s", ""]),
    ],
)
def test_split_segments(text: str, expected: list[str]) -> None:
    assert split_segments(text) == expected


def test_escaped_semicolon_stays_in_the_value() -> None:
    assert parse_command("view -i FILTER=A\\;B").argv(0, None) == ["view", "-i", "FILTER=A;B"]


def test_option_table_matches_bcftools_1_16_optstring() -> None:
    takes_value = {c for i, c in enumerate(table.SHORT_OPTSTRING) if table.SHORT_OPTSTRING[i + 1 : i + 2] == ":"}
    letters = {c for c in table.SHORT_OPTSTRING if c != ":"}
    assert set(table.SHORT) == letters
    assert {c for c, opt in table.SHORT.items() if opt.takes_value} == takes_value
    assert len(table.LONG) == 41  # bcftools 1.16 vcfview.c loptions


def test_long_option_lookup_follows_getopt_long() -> None:
    assert table.lookup_long("regions") == (table.SHORT["r"], ("regions",))
    assert table.lookup_long("thr") == (table.LONG["threads"], ("threads",))
    assert table.lookup_long("output-f") == (table.SHORT["o"], ("output-file",))
    option, names = table.lookup_long("out")
    assert option is None
    assert set(names) == {"output", "output-file", "output-type"}
    assert table.lookup_long("nothing") == (None, ())
    assert table.lookup_long("") == (None, ())


def test_command_is_hashable_and_comparable() -> None:
    assert parse_command("view -r 1") == Command("view -r 1", (Segment(("-r", "1"), False, 0),))


def _tiny_vcf(tmp_path: Path) -> Path:
    text = (
        "##fileformat=VCFv4.2\n"
        '##FILTER=<ID=PASS,Description="All filters passed">\n'
        '##FILTER=<ID=q10,Description="Quality below 10">\n'
        '##FILTER=<ID=A,Description="A">\n##FILTER=<ID=B,Description="B">\n'
        "##contig=<ID=1,length=1000>\n##contig=<ID=21,length=30000000>\n"
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\n"
        "1\t100\trs1\tA\tG\t30\tPASS\tDP=12\tGT\t0|1\t1|1\t0|0\n"
        "1\t200\t.\tC\tT\t5\tq10\tDP=4\tGT\t0/0\t./.\t0/1\n"
        "21\t15619806\t.\tG\tA,T\t50\tPASS\tDP=20\tGT\t0/1\t0/2\t1/1\n"
    )
    plain = tmp_path / "tiny.vcf"
    plain.write_text(text)
    packed = tmp_path / "tiny.vcf.gz"
    subprocess.run(["bcftools", "view", "-Oz", "-o", str(packed), str(plain)], check=True)
    subprocess.run(["bcftools", "index", str(packed)], check=True)
    return packed


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
def test_bcftools_accepts_every_canonical_argv(tmp_path: Path) -> None:
    vcf = _tiny_vcf(tmp_path)
    for text, _ in LEGITIMATE:
        command = parse_command(text.replace("chr1", "1").replace("{chr:1}", "{1}"))
        for index in range(len(command.segments)):
            argv = ["bcftools", *command.argv(index, ["S1", "S2"]), "-Ov", str(vcf)]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, f"{argv}: {done.stderr}"
            assert done.stdout.startswith("#"), argv


def _bcftools_view_stderr(argument: str) -> str:
    done = subprocess.run(
        ["bcftools", "view", argument],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stderr.splitlines()[0] if done.stderr else ""


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
def test_option_table_resolves_like_bcftools() -> None:
    """The table sees what bcftools 1.16 sees: abbreviations, ambiguity, unknown names, short letters."""
    prefixes = sorted({name[:n] for name in table.LONG for n in (1, 3, 5, 8)} | {"write-index", "verbosity"})
    for prefix in prefixes:
        first = _bcftools_view_stderr(f"--{prefix}")
        option, names = table.lookup_long(prefix)
        if "unrecognized option" in first:
            assert (option, names) == (None, ()), prefix
        elif "is ambiguous" in first:
            assert option is None and len(names) > 1, prefix
        else:
            assert option is not None, (prefix, first)
    for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        first = _bcftools_view_stderr(f"-{letter}")
        if "invalid option" in first:
            assert letter not in table.SHORT, letter
        else:
            assert table.SHORT[letter].takes_value is ("requires an argument" in first), (letter, first)
