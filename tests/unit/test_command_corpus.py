"""Hostile `--command` corpus: every entry is refused, and the message names what is wrong."""

from __future__ import annotations

import pytest

from divbase.core.command import MAX_COMMAND_CHARS, parse_command
from divbase.core.errors import CommandRejected

# (command, substrings the message must contain)
HOSTILE: list[tuple[str, tuple[str, ...]]] = [
    # abbreviated long options: bcftools would expand them, divbase wants exact spellings
    ("view --out=x.vcf -s", ("'--out=x.vcf'", "ambiguous abbreviation '--out'", "--output-type")),
    ("view --outp x", ("'--outp'", "--output")),
    ("view --output-f x -s", ("'--output-f'", "-o/--output/--output-file", "handled by divbase")),
    ("view --thr 4 -s", ("'--thr'", "--threads", "write options out in full")),
    ("view --regions-f r.txt", ("'--regions-f'", "-R/--regions-file", "external files")),
    ("view --reg 1", ("'--reg'", "--regions, --regions-file, --regions-overlap")),
    ("view --incl 'QUAL>20'", ("'--incl'", "-i/--include", "write options out in full")),
    ("view --samples-f s.txt", ("'--samples-f'", "-S/--samples-file", "--samples-file` instead")),
    ("view --header -s", ("'--header'", "-h/--header-only")),
    ("view --f -s", ("'--f'", "--force-samples")),
    # combined short flags and attached values hiding refused options
    ("view -Gox.vcf", ("'-Gox.vcf'", "-o/--output", "handled by divbase")),
    ("view -H -s", ("'-H'", "-H/--no-header", "header")),
    ("view -HOz", ("'-HOz'", "-O/--output-type", "output type")),
    ("view -vsnps -Ob", ("'-Ob'", "-O/--output-type")),
    ("view -ofile -s", ("'-ofile'", "-o/--output")),
    ("view -Ov -s", ("'-Ov'", "-O/--output-type")),
    ("view -Oz", ("-O/--output-type",)),
    ("view -Wcsi -s", ("'-Wcsi'", "'-W'", "index writing is handled by divbase")),
    ("view -l9 -s", ("'-l9'", "-l/--compression-level")),
    ("view -Gh", ("'-Gh'", "-h/--header-only")),
    # '=' forms
    ("view --output=out.bcf -s", ("'--output=out.bcf'", "-o/--output")),
    ("view --output-type=z -s", ("'--output-type=z'", "-O/--output-type")),
    ("view --threads=8 -s", ("'--threads=8'", "threads are set by divbase")),
    ("view --drop-genotypes=1", ("'--drop-genotypes=1'", "does not take a value")),
    # @file references and URLs in values
    ("view -i 'ID=@ids.txt' -s", ("'ID=@ids.txt'", "'@'")),
    ("view -e ID=@ids.txt", ("'ID=@ids.txt'", "'@'")),
    ("view -i 'ID=@https://x'", ("'ID=@https://x'", "URL")),
    ("view -r http://x/a", ("'http://x/a'", "URL")),
    ("view -t ftp://host/t.txt -s", ("'ftp://host/t.txt'", "URL")),
    ("view --include=@f", ("'@f'", "'@'")),
    # bare paths, positionals, stdin
    ("view a.vcf.gz", ("'a.vcf.gz'", "Do not provide VCF/BCF input filenames in '--command'")),
    ("view -G b.BCF", ("'b.BCF'", "input filenames")),
    ("view -r file.vcf.gz", ("'file.vcf.gz'", "Do not provide VCF/BCF input filenames in '--command'")),
    ("view -t targets.vcf -s", ("'targets.vcf'", "input filenames")),
    ("view -s /etc/passwd", ("'/etc/passwd'", "Do not provide sample names")),
    ("view -s -r 1 chr2", ("'chr2'", "bare arguments are not allowed")),
    ("view -", ("'-'", "stdin")),
    ("view -s -", ("'-'", "stdin")),
    ("view -G -- -s", ("'--'", "end-of-options")),
    # refused options in full spelling
    ("view --threads 4 -s", ("'--threads'", "threads")),
    ("view -W -s", ("'-W'", "index writing")),
    ("view --write-index -s", ("'--write-index'", "index writing")),
    ("view --verbosity 9 -s", ("'--verbosity'", "verbosity")),
    ("view -h", ("'-h'", "-h/--header-only")),
    ("view -o out.vcf", ("'-o'", "-o/--output")),
    ("view -S samples.txt", ("-S/--samples-file",)),
    ("view -R regions.txt -s", ("'-R'", "-R/--regions-file", "external files")),
    ("view -T ^t.txt -s", ("'-T'", "-T/--targets-file")),
    ("view -s --force-samples", ("'--force-samples'", "remove it")),
    ("view -A -s", ("'-A'", "not available in bcftools 1.16")),
    ("view --trim-unseen-allele", ("'--trim-unseen-allele'",)),
    ("view --no-such-option", ("'--no-such-option'", "unknown option")),
    ("view -Z", ("'-Z'", "unknown option '-Z'")),
    # other subcommands and plugins
    ("merge a.bcf b.bcf", ("Unsupported bcftools command 'merge' at position 1", "view")),
    ("plugin fill-tags", ("'plugin'", "Plugins are not allowed")),
    ("+fill-tags", ("'+fill-tags'", "Plugins are not allowed")),
    ("view -s; index -f x", ("'index' at position 2",)),
    ("view -s; query -f '%POS'", ("'query' at position 2",)),
    ("annotate -x INFO", ("'annotate'",)),
    ("bcftools view -s", ("'bcftools'", "Leave out the leading 'bcftools'")),
    ("invalid-command", ("Unsupported bcftools command",)),
    ("-s", ("Unsupported bcftools command '-s'",)),
    # shell syntax is only bare arguments without a shell, and refused as such
    ("view -s | rm -rf /", ("'|'", "shell syntax", "'rm'", "'/'")),
    ("view -s > out", ("'>'", "shell syntax", "'out'")),
    ("view -s $(id)", ("'$(id)'", "shell syntax")),
    ("view -s `id`", ("'`id`'", "shell syntax")),
    ("view -G && view -s", ("'&&'", "shell syntax", "'view'")),
    ("view -i '$(reboot)'", ("'$(reboot)'", "shell syntax")),
    # sample values
    ("view -s S1,S2", ("'S1,S2'", "Do not provide sample names in --command")),
    ("view -sS1", ("'-sS1'", "Do not provide sample names")),
    ("view --samples=S1", ("'--samples=S1'", "Do not provide sample names")),
    ("view --samples= -G", ("'--samples='", "Do not provide sample names")),
    ("view -s -G -s", ("placeholder is given more than once",)),
    # values and value-taking options
    ("view -r ''", ("-r/--regions requires a non-empty region selector",)),
    ("view --targets= -s", ("-t/--targets requires a non-empty region selector",)),
    ("view -s -r", ("'-r'", "-r/--regions requires a value")),
    ("view -r -s", ("'-r'", "followed by '-s'")),
    ("view -i 'QUAL>1' -e 'QUAL<5'", ("only one of -i and -e",)),
    ("view -r 1 -r 2", ("-r/--regions is given more than once",)),
    ("view -V indels --exclude-types=mnps", ("-V/--exclude-types is given more than once",)),
    ("view -kn -xX", ("'-xX'", "only one of -x and -X")),
    ("view -V indels -v snps", ("only one of -v and -V",)),
    ("view -v bogus", ("'bogus'", "snps, indels")),
    ("view -r=1", ("'-r=1'", "write '-r 1'")),
    ("view -i-1", ("'-1' must not start with '-'",)),
    ("view --include=-x", ("'-x' must not start with '-'",)),
    ("view -m two", ("'two'", "expected an integer")),
    ("view -g maybe", ("'maybe'", "hom, het, miss")),
    ("view -q 0.1:weird", ("'0.1:weird'", "FLOAT")),
    ("view --regions-overlap 7", ("'7'", "0, 1, 2, pos, record or variant")),
    ("view -i 'QUAL>20\x00'", ("control character",)),
    # empty, whitespace, segments, quoting
    ("", ("--command needs a non-empty bcftools view string, e.g. 'view -s'",)),
    ("   \t ", ("non-empty bcftools view string",)),
    ("view -s;", ("Pipe segment 2 is empty", "non-empty bcftools view string")),
    ("view -s;; view -G", ("Pipe segment 2 is empty",)),
    ("view -i 'QUAL>20", ("Could not parse --command segment at position 1", "No closing quotation")),
    ('view -s; view -i "QUAL>20', ("Could not parse --command segment at position 2",)),
    ("view -s \\", ("Could not parse --command segment at position 1",)),
    ("view", ('use --command "view -s"', "at least one bcftools view option")),
    ("view; view -s", ("Pipe segment 1: 'view' must include at least one",)),
    ("view -r 1; view --regions 1", ("Duplicate command segment 'view -r 1' found at positions: 1, 2",)),
    ("view -r '1:1-100'; view -r 1:1-100", ("Duplicate command segment",)),
    ("view -s; view --samples", ("Duplicate command segment 'view -s'",)),
]

ALL_SAMPLES_HOSTILE: list[tuple[str, tuple[str, ...]]] = [
    ("view -s", ("'-s/--samples' is not supported together with '--all-samples'", "all-samples mode")),
    ("view --samples", ("'--samples'", "'--all-samples'")),
    ("view -s -r 1", ("'-s'", "'--all-samples'")),
    ("view -r 1 -sS1", ("'-sS1'", "'--all-samples'")),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE, ids=[c for c, _ in HOSTILE])
def test_hostile_command_is_refused_with_named_argument(text: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(CommandRejected) as caught:
        parse_command(text)
    for fragment in expected:
        assert fragment in str(caught.value), f"{fragment!r} missing from:\n{caught.value}"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("text", "expected"), ALL_SAMPLES_HOSTILE, ids=[c for c, _ in ALL_SAMPLES_HOSTILE])
def test_all_samples_mode_refuses_samples_option(text: str, expected: tuple[str, ...]) -> None:
    with pytest.raises(CommandRejected) as caught:
        parse_command(text, all_samples=True)
    for fragment in expected:
        assert fragment in str(caught.value), f"{fragment!r} missing from:\n{caught.value}"


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE) + len(ALL_SAMPLES_HOSTILE) >= 45


def test_too_long_command_is_refused_before_parsing() -> None:
    text = "view -r " + ",".join(["chr1"] * (MAX_COMMAND_CHARS // 5 + 1))
    with pytest.raises(CommandRejected, match="the limit is 10000"):
        parse_command(text)


def test_too_many_segments_are_refused() -> None:
    text = "; ".join(f"view -r {n}" for n in range(40))
    with pytest.raises(CommandRejected, match="segments; the limit is"):
        parse_command(text)


def test_long_problem_lists_are_capped() -> None:
    with pytest.raises(CommandRejected) as caught:
        parse_command("view " + " ".join(f"x{n}" for n in range(80)))
    message = str(caught.value)
    assert "(81 problem(s))" in message
    assert "and 31 more" in message
    assert "'x49'" in message
    assert "'x50'" not in message


def test_every_problem_is_listed_in_one_error() -> None:
    with pytest.raises(CommandRejected) as caught:
        parse_command("view -Oz -o x.vcf a.vcf.gz; merge; view --thr 2")
    message = str(caught.value)
    assert "(5 problem(s))" in message
    for fragment in ("'-Oz'", "'-o'", "'a.vcf.gz'", "'merge' at position 2", "'--thr'"):
        assert fragment in message
