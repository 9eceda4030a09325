"""`divbase version` and `divbase files download --project-version` on a local bucket directory, through the
real CLI in a subprocess: a checkpoint gives back the old bytes after files change, are deleted or are
replaced outside divbase; listing, details, rename, soft delete and restore; refusals with their exit codes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Run, divbase

pytestmark = pytest.mark.integration

VCF = "HOM_20ind_17SNPs.1.vcf.gz"


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    root.mkdir()
    return root


def cli(bucket: Path, *args: str) -> Run:
    return divbase(*args, "--bucket-dir", str(bucket))


def upload(bucket: Path, src: Path, *extra: str) -> None:
    run = cli(bucket, "files", "upload", str(src), *extra)
    assert run.code == 0, run.stderr


def test_download_at_a_version_gives_the_old_bytes(bucket: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("first\n")
    upload(bucket, notes)
    upload(bucket, FIXTURES / VCF, "--to", "data")
    (bucket / "result_of_job_1.vcf.gz").write_bytes(b"a result")  # results are not recorded
    run = cli(bucket, "version", "add", "v1", "--description", "before the edits", "--json")
    assert run.code == 0, run.stderr
    assert run.json()["version"]["file_count"] == 2 and run.json()["message"].startswith("Added version 'v1'")

    notes.write_text("second, longer\n")
    upload(bucket, notes)
    assert cli(bucket, "files", "rm", f"data/{VCF}").code == 0
    extra = tmp_path / "later.tsv"
    extra.write_text("x\n")
    upload(bucket, extra)

    down = tmp_path / "at-v1"
    run = cli(bucket, "files", "download", "--project-version", "v1", "-d", str(down), "--json")
    assert run.code == 0, run.stderr
    assert sorted(row["key"] for row in run.json()["downloaded"]) == [f"data/{VCF}", "notes.md"]
    assert (down / "notes.md").read_bytes() == b"first\n"
    assert (down / "data" / VCF).read_bytes() == (FIXTURES / VCF).read_bytes()
    assert sorted(p.relative_to(down).as_posix() for p in down.rglob("*") if p.is_file()) == [
        f"data/{VCF}",
        "notes.md",
    ]
    one = tmp_path / "one"
    run = cli(bucket, "files", "download", "notes.md", "--project-version", "v1", "-d", str(one))
    assert run.code == 0 and (one / "notes.md").read_bytes() == b"first\n"
    assert cli(bucket, "files", "download", "notes.md", "-d", str(tmp_path / "now")).code == 0
    assert (tmp_path / "now" / "notes.md").read_bytes() == b"second, longer\n"

    run = cli(
        bucket, "files", "download", "later.tsv", "notes.md", "--project-version", "v1", "-d", str(tmp_path / "x")
    )
    assert run.code == 4 and "Version 'v1' does not hold: later.tsv." in run.stderr
    assert not (tmp_path / "x").exists()
    run = cli(bucket, "files", "download", "--project-version", "nope", "-d", str(tmp_path / "y"))
    assert run.code == 4 and "No version named 'nope'" in run.stderr
    run = cli(bucket, "files", "download", "notes.md", "--version", "abc", "--project-version", "v1")
    assert run.code == 2 and "cannot be combined" in run.stderr


def test_files_deleted_or_replaced_outside_divbase_are_kept(bucket: Path, tmp_path: Path) -> None:
    (bucket / "a.tsv").write_text("original a\n")
    (bucket / "sub").mkdir()
    (bucket / "sub" / "b.tsv").write_text("original b\n")
    assert cli(bucket, "version", "add", "v1").code == 0
    os.remove(bucket / "a.tsv")
    replacement = tmp_path / "new.tsv"
    replacement.write_text("replaced\n")
    os.replace(replacement, bucket / "sub" / "b.tsv")  # what editors and `mv` do
    down = tmp_path / "down"
    run = cli(bucket, "files", "download", "--project-version", "v1", "-d", str(down))
    assert run.code == 0, run.stderr
    assert (down / "a.tsv").read_text() == "original a\n" and (down / "sub" / "b.tsv").read_text() == "original b\n"


def test_ls_info_update_rm_restore(bucket: Path, tmp_path: Path) -> None:
    (bucket / "a.tsv").write_text("a\n")
    for name, description in (("first", "one"), ("second", ""), ("third", "three")):
        assert cli(bucket, "version", "add", name, "-d", description).code == 0
    rows = cli(bucket, "version", "ls", "--json").json()["versions"]
    assert [r["name"] for r in rows] == ["third", "second", "first"]
    run = cli(bucket, "version", "ls")
    assert run.code == 0 and [line.split()[0] for line in run.stdout.splitlines()] == [
        "NAME",
        "third",
        "second",
        "first",
    ]

    details = cli(bucket, "version", "info", "first", "--json").json()
    assert details["description"] == "one" and details["created_by"].endswith("@local")
    assert list(details["files"]) == ["a.tsv"] and details["files"]["a.tsv"]["size"] == 2
    run = cli(bucket, "version", "info", "first")
    assert run.code == 0 and "Description: one" in run.stdout and "a.tsv" in run.stdout

    run = cli(bucket, "version", "update", "first", "--new-name", "v1.0", "--new-description", "the first")
    assert run.code == 0 and "renamed to 'v1.0'" in run.stdout and "description updated" in run.stdout
    assert cli(bucket, "version", "info", "v1.0", "--json").json()["description"] == "the first"
    assert cli(bucket, "version", "info", "first").code == 4
    run = cli(bucket, "version", "update", "v1.0")
    assert run.code == 2 and "Nothing to change" in run.stderr
    run = cli(bucket, "version", "update", "v1.0", "-n", "third")
    assert run.code == 2 and "A version named 'third' already exists" in run.stderr

    run = cli(bucket, "version", "rm", "second")
    assert run.code == 0 and "Deleted version 'second'" in run.stdout
    again = cli(bucket, "version", "rm", "second", "--json")
    assert again.code == 0 and again.json()["version"]["already_deleted"] and "already deleted" in again.stdout
    assert [r["name"] for r in cli(bucket, "version", "ls", "--json").json()["versions"]] == ["third", "v1.0"]
    rows = cli(bucket, "version", "ls", "--include-deleted", "--json").json()["versions"]
    assert [(r["name"], r["is_deleted"]) for r in rows] == [("third", False), ("second", True), ("v1.0", False)]
    assert "yes" in cli(bucket, "version", "ls", "--include-deleted").stdout
    run = cli(bucket, "version", "update", "second", "-d", "x")
    assert run.code == 2 and "is deleted; restore it before changing it" in run.stderr
    assert cli(bucket, "version", "info", "second", "--json").json()["is_deleted"] is True

    run = cli(bucket, "version", "restore", "second")
    assert run.code == 0 and "Restored version 'second'" in run.stdout
    assert "was not deleted" in cli(bucket, "version", "restore", "second").stdout
    assert [r["name"] for r in cli(bucket, "version", "ls", "--json").json()["versions"]] == ["third", "second", "v1.0"]


def test_refusals(bucket: Path) -> None:
    run = cli(bucket, "version", "add", "v1")
    assert run.code == 2 and "Cannot create a version of an empty project: upload files first." in run.stderr
    (bucket / "result_of_job_2.vcf.gz").write_bytes(b"only a result")
    assert cli(bucket, "version", "add", "v1").code == 2
    (bucket / "a.tsv").write_text("a\n")
    assert cli(bucket, "version", "add", "v1").code == 0
    run = cli(bucket, "version", "add", "v1", "--json")
    assert run.code == 2 and run.json()["error"]["message"] == "A version named 'v1' already exists in this project."
    for bad in ("a/b", "", " v", "x" * 101, "a\x1bb"):
        run = cli(bucket, "version", "add", bad)
        assert run.code == 2 and "Invalid version name" in run.stderr, bad
    run = cli(bucket, "version", "add", "v2", "-d", "x" * 501)
    assert run.code == 2 and "at most 500" in run.stderr
    for command in (["info", "nope"], ["rm", "nope"], ["restore", "nope"], ["update", "nope", "-d", "x"]):
        run = cli(bucket, "version", *command)
        assert run.code == 4 and "No version named 'nope'" in run.stderr, command
    assert [r["name"] for r in cli(bucket, "version", "ls", "--json").json()["versions"]] == ["v1"]


def test_version_ls_in_a_fresh_bucket_and_a_missing_one(bucket: Path, tmp_path: Path) -> None:
    run = cli(bucket, "version", "ls")
    assert run.code == 0 and run.stdout == "" and "No versions" in run.stderr
    assert cli(bucket, "version", "ls", "--json").json() == {"versions": []}
    run = cli(tmp_path / "missing", "version", "ls")
    assert run.code == 4 and "does not exist" in run.stderr
