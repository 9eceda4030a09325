"""`adapters.project_versions` on both databases (SQLite and a real PostgreSQL), with a local bucket:
the same answers, messages and ordering on each."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from divbase.adapters.database import Database
from divbase.adapters.local_bucket import LocalBucket
from divbase.adapters.project_versions import ProjectVersions
from divbase.core.errors import InvalidInput, NotFound
from tests.conftest import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database.sqlite(tmp_path / "state" / "divbase.sqlite")
        return
    with fresh_database("divbase_pv") as url:
        made = Database.from_url(url)
        made.create_tables()
        yield made
        made.engine.dispose()


@pytest.fixture
def bucket(tmp_path: Path) -> LocalBucket:
    root = tmp_path / "bucket"
    root.mkdir()
    return LocalBucket(root)


@pytest.fixture
def versions(db: Database) -> ProjectVersions:
    return ProjectVersions(db, db.ensure_project("p", "bucket-p"))


def test_create_records_the_live_files(db: Database, versions: ProjectVersions, bucket: LocalBucket) -> None:
    one = bucket.put_bytes(b"one\n", "a.tsv")
    two = bucket.put_bytes(b"two two\n", "dir/b.vcf.gz")
    bucket.put_bytes(b"r", "result_of_job_1.vcf.gz")
    user = db.ensure_user("me@example.org")
    made = versions.create(bucket, "v1", "first", user)
    assert made.summary()["file_count"] == 2 and made.created_by == "me@example.org"
    assert made.created_at.tzinfo is not None and made.deleted_at is None
    assert versions.get("v1").files == {
        "a.tsv": {"version_id": one.version, "etag": one.etag, "size": 4},
        "dir/b.vcf.gz": {"version_id": two.version, "etag": two.etag, "size": 8},
    }


def test_empty_and_duplicate_are_refused(versions: ProjectVersions, bucket: LocalBucket) -> None:
    with pytest.raises(
        InvalidInput, match=re.escape("Cannot create a version of an empty project: upload files first.")
    ):
        versions.create(bucket, "v1")
    bucket.put_bytes(b"x", "a.tsv")
    versions.create(bucket, "v1")
    with pytest.raises(InvalidInput, match=re.escape("A version named 'v1' already exists in this project.")):
        versions.create(bucket, "v1")
    versions.delete("v1")
    with pytest.raises(InvalidInput, match="A deleted version named 'v1' already exists") as caught:
        versions.create(bucket, "v1")
    assert "divbase version restore v1" in str(caught.value)


def test_list_newest_first_delete_restore(versions: ProjectVersions, bucket: LocalBucket) -> None:
    bucket.put_bytes(b"x", "a.tsv")
    for name in ("old", "middle", "new"):
        versions.create(bucket, name)
        time.sleep(0.01)
    assert [v.name for v in versions.list()] == ["new", "middle", "old"]
    gone, already = versions.delete("middle")
    assert not already and gone.deleted_at is not None
    again, already = versions.delete("middle")
    assert already and again.deleted_at == gone.deleted_at
    assert [v.name for v in versions.list()] == ["new", "old"]
    assert [(v.name, v.deleted_at is not None) for v in versions.list(include_deleted=True)] == [
        ("new", False),
        ("middle", True),
        ("old", False),
    ]
    assert versions.get("middle").deleted_at is not None  # details of a deleted version still readable
    back, was_deleted = versions.restore("middle")
    assert was_deleted and back.deleted_at is None
    assert versions.restore("middle")[1] is False
    assert [v.name for v in versions.list()] == ["new", "middle", "old"]


def test_update(versions: ProjectVersions, bucket: LocalBucket) -> None:
    bucket.put_bytes(b"x", "a.tsv")
    versions.create(bucket, "v1", "one")
    versions.create(bucket, "v2")
    with pytest.raises(InvalidInput, match="Nothing to change for version 'v1'"):
        versions.update("v1")
    with pytest.raises(InvalidInput, match="A version named 'v2' already exists"):
        versions.update("v1", new_name="v2")
    assert versions.update("v1", new_description="better").description == "better"
    renamed = versions.update("v1", new_name="v1.0", new_description="best")
    assert (renamed.name, renamed.description) == ("v1.0", "best")
    assert versions.update("v1.0", new_name="v1.0").name == "v1.0"  # same name: no clash with itself
    with pytest.raises(NotFound, match="No version named 'v1' in this project"):
        versions.get("v1")
    versions.delete("v1.0")
    with pytest.raises(InvalidInput, match=re.escape("Version 'v1.0' is deleted; restore it before changing it.")):
        versions.update("v1.0", new_description="x")
    with pytest.raises(InvalidInput, match="Invalid version name 'a/b'"):
        versions.update("v2", new_name="a/b")


def test_unknown_names_and_other_projects(db: Database, versions: ProjectVersions, bucket: LocalBucket) -> None:
    bucket.put_bytes(b"x", "a.tsv")
    versions.create(bucket, "v1")
    other = ProjectVersions(db, db.ensure_project("q", "bucket-q"))
    assert other.list(include_deleted=True) == []
    for action in (other.get, other.delete, other.restore, lambda name: other.update(name, new_description="d")):
        with pytest.raises(NotFound, match="No version named 'v1' in this project"):
            action("v1")
    other.create(bucket, "v1")  # names are unique per project only
    assert [v.name for v in other.list()] == ["v1"]
