"""classify(): bcftools stderr -> user-facing errors (upstream 5b).

The stderr strings below are exactly what bcftools 1.16 (htslib 1.16) prints for each broken file,
run with the file name relative to its directory. `test_recorded_stderr_is_what_bcftools_prints`
re-runs bcftools to prove the recordings are still true for the installed version.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from divbase.core.bcftools_errors import MAX_DETAILS, classify, short_reason
from divbase.core.errors import BcftoolsError, DivbaseError, TaskError, VcfError

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"

UNSORTED = "HOM_20ind_17SNPs_last_10_samples_with_edit_to_scramble_coordinates.vcf.gz"
DUPLICATE = "vcf_specification_v45_example11_incorrect_duplicate_sample_ids.vcf.gz"
BAD_HEADER = "vcf_specification_v45_example11_incorrect_invalid_header_content.vcf.gz"
TEXT = "txt_file_with_extension_that_allows_it_to_be_uploaded.vcf.gz"
COLUMNS = "vcf_specification_v45_example11_incorrect_sample_column_count_mismatch.vcf.gz"


@dataclass(frozen=True)
class Case:
    """One recorded bcftools failure and what the user must be told."""

    id: str
    args: tuple[str, ...]
    returncode: int
    stderr: str
    error: type[TaskError]
    says: tuple[str, ...]
    reason: str


CASES = [
    Case(
        "unsorted-index",
        ("index", "-f", UNSORTED),
        255,
        "[E::hts_idx_push] Unsorted positions on sequence #1: 22053057 followed by 17504018\n"
        f'index: failed to create index for "{UNSORTED}"\n',
        VcfError,
        ("is not sorted by position and cannot be indexed by bcftools", "bcftools sort", "sort it first"),
        "not sorted by position (sort it with bcftools sort)",
    ),
    Case(
        "duplicate-samples",
        ("view", "-h", DUPLICATE),
        255,
        "[E::bcf_hdr_add_sample_len] Duplicated sample name 'NA00002'\n"
        f"Failed to read from {DUPLICATE}: could not parse header\n",
        VcfError,
        ("contains duplicate sample ids in the header", "unique"),
        "duplicate sample ids in the header",
    ),
    Case(
        "invalid-header",
        ("view", "-h", BAD_HEADER),
        255,
        f"[E::vcf_hdr_read] No sample line\nFailed to read from {BAD_HEADER}: could not parse header\n",
        VcfError,
        ("invalid vcf header",),
        "invalid VCF header",
    ),
    Case(
        "text-file-header",
        ("view", "-h", TEXT),
        255,
        f"Failed to read from {TEXT}: unknown file type\n",
        VcfError,
        ("invalid vcf header/content", "could not be parsed by bcftools", "validate the file format"),
        "not a VCF file",
    ),
    Case(
        "text-file-index",
        ("index", "-f", TEXT),
        255,
        f'index: "{TEXT}" is in a format that cannot be usefully indexed\n',
        VcfError,
        ("not bgzip-compressed", "bgzip"),
        "not bgzip-compressed (recompress with bgzip)",
    ),
    Case(
        "column-count-mismatch",
        ("view", COLUMNS),
        8,
        "[E::vcf_parse_format] Number of columns at 20:14370 does not match the number of samples "
        "(2 vs 3)\nError: VCF parse error\n",
        VcfError,
        ("malformed vcf record lines", "20:14370"),
        "malformed VCF record lines",
    ),
    Case(
        "plain-gzip-index",
        ("index", "-f", "plain.vcf.gz"),
        255,
        'index: "plain.vcf.gz" is in a format that cannot be usefully indexed\n',
        VcfError,
        ("not bgzip-compressed", "recompress with bgzip"),
        "not bgzip-compressed (recompress with bgzip)",
    ),
    Case(
        "plain-gzip-region",
        ("view", "-r", "20", "plain.vcf.gz"),
        255,
        "Failed to read from plain.vcf.gz: not compressed with bgzip\n",
        VcfError,
        ("is gzip-compressed but not bgzip-compressed", "recompress with bgzip"),
        "not bgzip-compressed (recompress with bgzip)",
    ),
    Case(
        "half-file-header",
        ("view", "-h", "cut.vcf.gz"),
        255,
        "[W::bcf_sr_add_reader] No BGZF EOF marker; file 'cut.vcf.gz' may be truncated\n"
        "[E::bgzf_read_block] Failed to read BGZF block data at offset 0 expected 722 bytes; "
        "hread returned 428\nFailed to read from cut.vcf.gz: could not parse header\n",
        VcfError,
        ("appears to be corrupted or truncated",),
        "truncated or corrupted",
    ),
    Case(
        "half-file-index",
        ("index", "-f", "cut.vcf.gz"),
        255,
        "[E::bgzf_read_block] Failed to read BGZF block data at offset 0 expected 722 bytes; "
        'hread returned 428\nindex: failed to create index for "cut.vcf.gz"\n',
        VcfError,
        ("corrupted or truncated",),
        "truncated or corrupted",
    ),
    Case(
        "missing-eof-marker",
        ("view", "no_eof.vcf.gz"),
        6,
        "[W::bcf_sr_add_reader] No BGZF EOF marker; file 'no_eof.vcf.gz' may be truncated\n"
        "Error: no BGZF EOF marker; file may be truncated\n",
        VcfError,
        ("corrupted or truncated",),
        "truncated or corrupted",
    ),
    Case(
        "missing-file",
        ("view", "missing.vcf.gz"),
        255,
        '[E::hts_open_format] Failed to open file "missing.vcf.gz" : No such file or directory\n'
        "Failed to read from missing.vcf.gz: No such file or directory\n",
        BcftoolsError,
        ("bcftools failed while querying for data/x.vcf.gz.\ndetails from bcftools:\n", "no such file"),
        "bcftools failed while querying: [E::hts_open_format] Failed to open file "
        '"missing.vcf.gz" : No such file or directory',
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_classify_recorded_stderr(case: Case) -> None:
    err = classify(
        case.stderr,
        operation="querying",
        target="data/x.vcf.gz",
        returncode=case.returncode,
        argv=["bcftools", *case.args],
    )
    assert type(err) is not TaskError and isinstance(err, case.error)
    text = str(err).lower()
    assert "data/x.vcf.gz" in text
    for phrase in case.says:
        assert phrase.lower() in text
    assert short_reason(err) == case.reason


def test_unsorted_message_matches_upstream_wording() -> None:
    err = classify(CASES[0].stderr, operation="indexing", target="a/b.vcf.gz", returncode=255, argv=["x"])
    assert str(err) == (
        "a/b.vcf.gz is not sorted by position and cannot be indexed by bcftools.\n"
        "Sort it first, for example with 'bcftools sort -Oz -o sorted.vcf.gz b.vcf.gz' "
        "and upload the sorted file."
    )


def test_chromosome_blocks_not_continuous_is_unsorted() -> None:
    stderr = '[E::hts_idx_push] Chromosome blocks not continuous\nindex: failed to create index for "b.vcf.gz"\n'
    err = classify(stderr, operation="indexing", target="b.vcf.gz", returncode=255, argv=["bcftools"])
    assert "not sorted by position" in str(err)


@pytest.mark.parametrize(
    "stderr",
    [
        "[W::vcf_parse] wrong number of fields at line 12\n",
        "[E::vcf_parse] Could not parse the line: 20 abc\n",
        "[E::bcf_write] Broken VCF record, the number of columns at 20:14370 does not match the number "
        "of samples (0 vs 3)\n[main_vcfview] Error: cannot write to (null)\n",
    ],
)
def test_other_malformed_record_messages(stderr: str) -> None:
    err = classify(stderr, operation="querying", target="f.vcf.gz", returncode=255, argv=["bcftools"])
    assert isinstance(err, VcfError)
    assert "contains malformed vcf record lines" in str(err).lower()


def test_file_names_in_stderr_do_not_fake_a_match() -> None:
    """A file called truncated.vcf.gz with duplicate samples is reported as duplicate samples."""
    stderr = (
        "[E::bcf_hdr_add_sample_len] Duplicated sample name 'NA00002'\n"
        "Failed to read from /tmp/job/truncated.vcf.gz: could not parse header\n"
    )
    argv = ["bcftools", "view", "-h", "/tmp/job/truncated.vcf.gz"]
    err = classify(stderr, operation="reading", target="truncated.vcf.gz", returncode=255, argv=argv)
    assert short_reason(err) == "duplicate sample ids in the header"


def test_failed_to_create_index_without_known_cause() -> None:
    stderr = 'index: failed to create index for "x.vcf.gz"\n'
    err = classify(stderr, operation="indexing", target="k/x.vcf.gz", returncode=255, argv=["bcftools"])
    assert isinstance(err, BcftoolsError)
    assert str(err).startswith("bcftools failed while creating an index for k/x.vcf.gz.\n")
    assert stderr.strip() in str(err)


def test_other_stderr_is_quoted_and_trimmed() -> None:
    stderr = "[E::main] something odd\n" + "x" * 5000
    err = classify(stderr, operation="merging", target="3 files", returncode=1, argv=["bcftools"])
    assert isinstance(err, BcftoolsError)
    text = str(err)
    assert text.startswith("bcftools failed while merging for 3 files.\nDetails from bcftools:\n[E::main]")
    assert len(text) < MAX_DETAILS + 200
    assert "more characters" in text
    assert short_reason(err) == "bcftools failed while merging: [E::main] something odd"


@pytest.mark.parametrize(("code", "detail"), [(3, "Process exited with code 3"), (-9, "killed by signal 9")])
def test_empty_stderr_names_command_and_exit(code: int, detail: str) -> None:
    argv = ["bcftools", "view", "-i", "QUAL>30", "my file.vcf.gz"]
    err = classify("  \n", operation="querying", target="f", returncode=code, argv=argv)
    assert isinstance(err, BcftoolsError)
    assert str(err).startswith("bcftools command failed: 'bcftools view -i 'QUAL>30' 'my file.vcf.gz''")
    assert detail in str(err)


def test_short_reason_of_plain_errors() -> None:
    assert short_reason(VcfError("file.vcf.gz is broken\nmore")) == "file.vcf.gz is broken"
    assert short_reason(DivbaseError("x" * 500)).endswith("...")
    assert short_reason(ValueError("boom")) == "boom"


# -- the recordings above are what the installed bcftools really prints ------------------------


def _broken_files(tmp_path: Path) -> None:
    for name in (UNSORTED, DUPLICATE, BAD_HEADER, TEXT, COLUMNS):
        shutil.copy(FIXTURES / name, tmp_path / name)
    plain = gzip.decompress((FIXTURES / "vcf_specification_v45_example11.vcf.gz").read_bytes())
    (tmp_path / "plain.vcf.gz").write_bytes(gzip.compress(plain))
    whole = (FIXTURES / "HOM_20ind_17SNPs.1.vcf.gz").read_bytes()
    (tmp_path / "cut.vcf.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "no_eof.vcf.gz").write_bytes(whole[:-28])  # drop the 28-byte BGZF EOF block


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
@pytest.mark.skipif(not FIXTURES.is_dir(), reason="upstream fixtures not available")
def test_recorded_stderr_is_what_bcftools_prints(tmp_path: Path) -> None:
    version = subprocess.run(["bcftools", "--version"], capture_output=True, text=True).stdout
    if not version.startswith("bcftools 1.16\n"):
        pytest.skip(f"recordings are from bcftools 1.16, found {version.splitlines()[0]}")
    _broken_files(tmp_path)
    for case in CASES:
        done = subprocess.run(["bcftools", *case.args], cwd=tmp_path, capture_output=True, text=True)
        assert (case.id, done.returncode, done.stderr) == (case.id, case.returncode, case.stderr)
