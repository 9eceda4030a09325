"""`divbase files` on a local bucket directory, through the real CLI in a subprocess: byte-identical round
trips (a file over the 96 MiB multipart threshold included), soft delete, versions, restore, refused names."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, divbase

pytestmark = pytest.mark.integration

VCF = "HOM_20ind_17SNPs.1.vcf.gz"
MIB = 1 << 20


def raw(*args: str) -> tuple[int, bytes, str]:
    """The CLI with stdout as bytes (for `files stream`)."""
    proc = subprocess.run([sys.executable, "-m", "divbase", *args], capture_output=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


def big_file(path: Path, mib: int = 100) -> Path:
    """`mib` MiB made of one random MiB repeated (fast to write), last MiB different so parts differ."""
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for _ in range(mib - 1):
            out.write(block)
        out.write(os.urandom(MIB))
    return path


def md5(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    root.mkdir()
    return root


def files(bucket: Path, *args: str) -> tuple[int, str, str]:
    run = divbase("files", *args, "--bucket-dir", str(bucket))
    return run.code, run.stdout, run.stderr


def test_upload_ls_download_stream_round_trip(bucket: Path, tmp_path: Path) -> None:
    meta = tmp_path / "sample_metadata.tsv"
    meta.write_text("#Sample_ID\tArea\nS1\tNorth\n")
    code, _, err = files(bucket, "upload", str(FIXTURES / VCF), str(meta), "--to", "data")
    assert code == 0, err
    assert "Uploaded" in err and "dimensions-update" in err  # a VCF changed: the hint
    listing = divbase("files", "ls", "--json", "--bucket-dir", str(bucket)).json()["files"]
    assert [(f["key"], f["size"], f["version"]) for f in listing] == [
        (f"data/{VCF}", (FIXTURES / VCF).stat().st_size, md5(FIXTURES / VCF)),
        ("data/sample_metadata.tsv", meta.stat().st_size, md5(meta)),
    ]
    code, out, err = files(bucket, "ls", "data/s")
    assert code == 0 and out.split()[0] == "data/sample_metadata.tsv"
    down = tmp_path / "down"
    code, _, err = files(bucket, "download", f"data/{VCF}", "data/sample_metadata.tsv", "-d", str(down))
    assert code == 0, err
    assert (down / "data" / VCF).read_bytes() == (FIXTURES / VCF).read_bytes()
    assert (down / "data" / "sample_metadata.tsv").read_bytes() == meta.read_bytes()
    code, data, err = raw("files", "stream", f"data/{VCF}", "--bucket-dir", str(bucket))
    assert code == 0 and data == (FIXTURES / VCF).read_bytes(), err


def test_overwrite_rm_restore_and_versions(bucket: Path, tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("first\n")
    assert files(bucket, "upload", str(src))[0] == 0
    first = md5(src)
    src.write_text("second version\n")
    assert files(bucket, "upload", str(src))[0] == 0
    second = md5(src)
    rows = divbase("files", "versions", "notes.txt", "--json", "--bucket-dir", str(bucket)).json()["versions"]
    assert [(r["version"], r["current"], r["deleted"]) for r in rows] == [(second, True, False), (first, False, False)]
    code, out, _ = files(bucket, "versions", "notes.txt")
    assert code == 0 and out.splitlines()[0].startswith(f"* {second}") and "15.00 B" in out

    code, _, err = files(bucket, "rm", "notes.txt")
    assert code == 0 and "restore" in err
    assert not (bucket / "notes.txt").exists()
    assert divbase("files", "ls", "--json", "--bucket-dir", str(bucket)).json() == {"files": []}
    rows = divbase("files", "versions", "notes.txt", "--json", "--bucket-dir", str(bucket)).json()["versions"]
    assert rows[0]["deleted"] and rows[0]["current"] and [r["version"] for r in rows[1:]] == [second, first]
    code, _, err = files(bucket, "download", "notes.txt", "-d", str(tmp_path / "x"))
    assert code == 4 and "No file 'notes.txt'" in err

    code, _, err = files(bucket, "restore", "notes.txt")
    assert code == 0 and f"restored (version {second})" in err
    assert (bucket / "notes.txt").read_text() == "second version\n"
    code, _, err = files(bucket, "restore", "notes.txt")
    assert code == 0 and "already live" in err
    code, _, err = files(bucket, "restore", "notes.txt", "--version", first)
    assert code == 0 and (bucket / "notes.txt").read_text() == "first\n"
    code, data, _ = raw("files", "stream", "notes.txt", "--version", second, "--bucket-dir", str(bucket))
    assert code == 0 and data == b"second version\n"
    code, _, err = files(bucket, "download", "notes.txt", "--version", second, "-d", str(tmp_path / "old"))
    assert code == 0 and (tmp_path / "old" / "notes.txt").read_text() == "second version\n"


def test_file_over_the_multipart_threshold_round_trips(bucket: Path, tmp_path: Path) -> None:
    src = big_file(tmp_path / "big.txt")
    code, _, err = files(bucket, "upload", str(src), "--to", "large")
    assert code == 0, err
    assert divbase("files", "ls", "--json", "--bucket-dir", str(bucket)).json()["files"][0]["version"] == md5(src)
    code, _, err = files(bucket, "download", "large/big.txt", "-d", str(tmp_path / "down"))
    assert code == 0, err
    assert md5(tmp_path / "down" / "large" / "big.txt") == md5(src)
    code, data, err = raw("files", "stream", "large/big.txt", "--bucket-dir", str(bucket))
    assert code == 0 and hashlib.md5(data).hexdigest() == md5(src), err


def test_results_are_hidden_unless_asked(bucket: Path) -> None:
    (bucket / "result_of_job_7.vcf.gz").write_bytes(b"r")
    (bucket / "a.tsv").write_bytes(b"a")
    assert [f["key"] for f in divbase("files", "ls", "--json", "--bucket-dir", str(bucket)).json()["files"]] == [
        "a.tsv"
    ]
    shown = divbase("files", "ls", "-r", "--json", "--bucket-dir", str(bucket)).json()["files"]
    assert [f["key"] for f in shown] == ["a.tsv", "result_of_job_7.vcf.gz"]


def test_a_damaged_kept_version_is_detected_and_not_written(bucket: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.tsv"
    src.write_text("one\n")
    files(bucket, "upload", str(src))
    old = md5(src)
    src.write_text("two\n")
    files(bucket, "upload", str(src))
    kept = bucket / ".divbase" / "versions" / "a.tsv" / old
    kept.write_text("rot\n")  # bit rot in the versions store
    code, _, err = files(bucket, "download", "a.tsv", "--version", old, "-d", str(tmp_path / "down"))
    assert code == 1
    assert "Download of 'a.tsv' is corrupt" in err and f"Expected: {old}" in err and "has been deleted" in err
    assert not (tmp_path / "down" / "a.tsv").exists()
    assert not list((tmp_path / "down").iterdir())


@pytest.mark.parametrize(
    "key", ["../x", "/etc/passwd", "a\\b", "a\u2215b", "\uff0e\uff0e/x", "a/./b.tsv", ".divbase/x"]
)
def test_unsafe_keys_are_refused(bucket: Path, tmp_path: Path, key: str) -> None:
    for command in (["download", key, "-d", str(tmp_path / "d")], ["rm", key], ["stream", key], ["versions", key]):
        code, _, err = files(bucket, *command)
        assert code == 2, (command, err)
        assert "Invalid file name" in err and repr(key) in err
    assert not (tmp_path / "d").exists()


def test_nul_in_a_key_is_refused(bucket: Path, tmp_path: Path) -> None:
    listing = tmp_path / "keys.txt"
    listing.write_text("a.tsv\nb\x00.tsv\n")
    code, _, err = files(bucket, "download", "--file-list", str(listing), "-d", str(tmp_path / "d"))
    assert code == 2 and "NUL" in err


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("dat:a.tsv", "contains ':'"),
        ("x.vcf", "bgzip x.vcf"),
        ("archive.zip", "accepts only .tsv, .vcf.gz"),
        ("a\\b.tsv", "backslash"),
        ("a\u2215b.tsv", "U+2215"),
        ("a@b.tsv", "contains '@'"),
        ("result_of_job_1.vcf.gz", "reserved for query results"),
    ],
)
def test_unsupported_upload_names_are_refused(bucket: Path, tmp_path: Path, name: str, rule: str) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("x\n")
    bad = tmp_path / name
    bad.write_text("x\n")
    code, _, err = files(bucket, "upload", str(good), str(bad))
    assert code == 2 and rule in err and name in err.replace("\\\\", "\\"), err
    assert list(bucket.iterdir()) == []  # nothing written, not even the good file


@pytest.mark.parametrize("to", ["../up", "a/../../b", "\uff0e\uff0e", "x:y", "~home"])
def test_unsafe_upload_folders_are_refused(bucket: Path, tmp_path: Path, to: str) -> None:
    good = tmp_path / "good.tsv"
    good.write_text("x\n")
    code, _, err = files(bucket, "upload", str(good), "--to", to)
    assert code == 2, err
    assert list(bucket.iterdir()) == []


def test_empty_missing_and_duplicate_uploads_are_refused(bucket: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"")
    code, _, err = files(bucket, "upload", str(empty))
    assert code == 2 and "empty" in err
    code, _, err = files(bucket, "upload", str(tmp_path / "missing.tsv"))
    assert code == 2 and "does not exist" in err
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.tsv").write_text("1\n")
    (tmp_path / "a.tsv").write_text("2\n")
    code, _, err = files(bucket, "upload", str(tmp_path / "a.tsv"), str(tmp_path / "d" / "a.tsv"))
    assert code == 2 and "same name" in err
    assert list(bucket.iterdir()) == []


def test_rm_of_a_missing_file_is_not_found(bucket: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.tsv"
    src.write_text("a\n")
    files(bucket, "upload", str(src))
    run = divbase("files", "rm", "a.tsv", "b.tsv", "--json", "--bucket-dir", str(bucket))
    assert run.code == 4 and run.json() == {"deleted": ["a.tsv"], "not_found": ["b.tsv"]}
