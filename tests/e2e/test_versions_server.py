"""`divbase version` and `divbase files download --project-version` against the running service (uvicorn,
PostgreSQL, SeaweedFS): a checkpoint gives back the old S3 versions byte for byte after files change or are
deleted; listing, details, rename, soft delete and restore; refusals; and who may do what."""

from __future__ import annotations

from pathlib import Path

import pytest

from divbase.service import admin
from tests.conftest import FIXTURES, Run
from tests.e2e.conftest import World, new_project

pytestmark = pytest.mark.e2e

VCF = "HOM_20ind_17SNPs.1.vcf.gz"


@pytest.fixture
def project(world: World, request: pytest.FixtureRequest) -> str:
    name = f"pv-{request.node.name.split('[')[0].replace('_', '-')[5:30].strip('-')}"
    return new_project(world, name, {})


def version(world: World, project: str, *args: str, user: str = "manage") -> Run:
    return world.cli("version", *args, "--project", project, user=user)


def test_download_at_a_version_gives_the_old_bytes(world: World, project: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("first\n")
    assert world.cli("files", "upload", str(notes), "-p", project).code == 0
    assert world.cli("files", "upload", str(FIXTURES / VCF), "--to", "data", "-p", project).code == 0
    world.bucket(project).put_bytes(b"a result", "result_of_job_1.vcf.gz")
    world.s3.put_object(Bucket=f"divbase-{project}", Key="empty-folder/", Body=b"")
    run = version(world, project, "add", "v1", "-d", "before the edits", "--json")
    assert run.code == 0, run.stderr
    assert run.json()["version"]["file_count"] == 2 and run.json()["version"]["created_by"] == "manage@example.org"
    recorded = version(world, project, "info", "v1", "--json").json()["files"]
    assert sorted(recorded) == [f"data/{VCF}", "notes.md"]
    assert recorded["notes.md"]["version_id"] == world.bucket(project).head("notes.md").version

    notes.write_text("second, longer\n")
    assert world.cli("files", "upload", str(notes), "-p", project).code == 0
    assert world.cli("files", "rm", f"data/{VCF}", "-p", project).code == 0
    down = tmp_path / "at-v1"
    run = world.cli("files", "download", "--project-version", "v1", "-d", str(down), "-p", project)
    assert run.code == 0, run.stderr
    assert (down / "notes.md").read_bytes() == b"first\n"
    assert (down / "data" / VCF).read_bytes() == (FIXTURES / VCF).read_bytes()
    assert sorted(p.relative_to(down).as_posix() for p in down.rglob("*") if p.is_file()) == [
        f"data/{VCF}",
        "notes.md",
    ]
    now = tmp_path / "now"
    assert world.cli("files", "download", "notes.md", "-d", str(now), "-p", project).code == 0
    assert (now / "notes.md").read_bytes() == b"second, longer\n"

    run = world.cli(
        "files", "download", "later.tsv", "--project-version", "v1", "-d", str(tmp_path / "x"), "-p", project
    )
    assert run.code == 4 and "Version 'v1' does not hold: later.tsv." in run.stderr
    run = world.cli("files", "download", "--project-version", "nope", "-d", str(tmp_path / "y"), "-p", project)
    assert run.code == 4 and "No version named 'nope'" in run.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_ls_info_update_rm_restore(world: World, project: str, tmp_path: Path) -> None:
    world.bucket(project).put_bytes(b"a\n", "a.tsv")
    for name in ("first", "second", "v 3?#%"):  # the last needs percent-encoding in the URL
        assert version(world, project, "add", name, "-d", f"about {name}").code == 0
    rows = version(world, project, "ls", "--json").json()["versions"]
    assert [r["name"] for r in rows] == ["v 3?#%", "second", "first"]
    details = version(world, project, "info", "v 3?#%", "--json").json()
    assert details["description"] == "about v 3?#%" and list(details["files"]) == ["a.tsv"]
    assert "Description: about first" in version(world, project, "info", "first").stdout

    run = version(world, project, "update", "v 3?#%", "--new-name", "third", "--new-description", "renamed")
    assert run.code == 0 and "renamed to 'third'" in run.stdout
    assert version(world, project, "info", "third", "--json").json()["description"] == "renamed"
    assert version(world, project, "update", "third", "-n", "first").code == 2
    assert version(world, project, "update", "third").code == 2

    assert version(world, project, "rm", "second").code == 0
    again = version(world, project, "rm", "second", "--json")
    assert again.code == 0 and again.json()["version"]["already_deleted"] is True
    assert [r["name"] for r in version(world, project, "ls", "--json").json()["versions"]] == ["third", "first"]
    rows = version(world, project, "ls", "--include-deleted", "--json").json()["versions"]
    assert [(r["name"], r["is_deleted"]) for r in rows] == [("third", False), ("second", True), ("first", False)]
    run = version(world, project, "update", "second", "-d", "x")
    assert run.code == 2 and "restore it before changing it" in run.stderr
    assert version(world, project, "info", "second", "--json").json()["is_deleted"] is True
    run = version(world, project, "restore", "second")
    assert run.code == 0 and "Restored version 'second'" in run.stdout
    assert len(version(world, project, "ls", "--json").json()["versions"]) == 3


def test_refusals(world: World, project: str) -> None:
    run = version(world, project, "add", "v1")
    assert run.code == 2 and "Cannot create a version of an empty project: upload files first." in run.stderr
    world.bucket(project).put_bytes(b"a\n", "a.tsv")
    assert version(world, project, "add", "v1").code == 0
    run = version(world, project, "add", "v1")
    assert run.code == 2 and "A version named 'v1' already exists in this project." in run.stderr
    for command in (["info", "nope"], ["rm", "nope"], ["restore", "nope"], ["update", "nope", "-d", "x"]):
        run = version(world, project, *command)
        assert run.code == 4 and "No version named 'nope'" in run.stderr, command
    base = f"/v1/projects/{project}/versions"
    answer = world.api("POST", base, json={"name": "a\\b"})
    assert answer.status_code == 400 and "Invalid version name" in answer.json()["detail"]
    answer = world.api("POST", base, json={"name": "v2", "description": "x" * 501})
    assert answer.status_code == 400 and "at most 500" in answer.json()["detail"]
    assert world.api("PATCH", f"{base}/v1", json={}).status_code == 400
    assert world.api("GET", f"{base}/nope").status_code == 404


def test_roles(world: World, project: str, tmp_path: Path) -> None:
    world.bucket(project).put_bytes(b"a\n", "a.tsv")
    for role in ("READ", "QUERY", "EDIT"):
        admin.add_member(world.db, project, f"{role.lower()}@example.org", role)
    run = version(world, project, "add", "v1", user="read")
    assert run.code == 3 and "needs QUERY" in run.stderr
    assert version(world, project, "add", "v1", user="query").code == 0
    assert [r["name"] for r in version(world, project, "ls", "--json", user="read").json()["versions"]] == ["v1"]
    assert version(world, project, "info", "v1", user="read").code == 0
    down = tmp_path / "down"
    run = world.cli("files", "download", "--project-version", "v1", "-d", str(down), "-p", project, user="read")
    assert run.code == 0 and (down / "a.tsv").read_bytes() == b"a\n"
    for command in (["rm", "v1"], ["update", "v1", "-d", "x"], ["restore", "v1"]):
        run = version(world, project, *command, user="query")
        assert run.code == 3 and "needs EDIT" in run.stderr, command
    assert version(world, project, "update", "v1", "-d", "edited", user="edit").code == 0
    assert version(world, project, "rm", "v1", user="edit").code == 0
    assert version(world, project, "restore", "v1", user="edit").code == 0
    for command in (["ls"], ["info", "v1"], ["add", "v2"]):
        run = version(world, project, *command, user="outsider")
        assert run.code == 4 and "not found or you are not a member" in run.stderr, command
    assert world.api("GET", f"/v1/projects/{project}/versions", user=None).status_code == 401
