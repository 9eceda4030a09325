"""The Bucket port contract (core/ports.py). Every implementation must pass every test here.

Add an implementation by adding a param to the `bucket` fixture ("s3" is a real SeaweedFS server
from conftest.py); tests that need the local directory itself (symlinks, the ETag cache) take
`local_bucket`, and those about S3 itself (versions, delete markers, multipart) take `s3_bucket`.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from divbase.adapters.local_bucket import LocalBucket
from divbase.adapters.s3_bucket import S3Bucket
from divbase.adapters.s3_etag import MIB, PART_SIZE, composite_etag
from divbase.core.errors import NotFound, UnsafeKey
from divbase.core.ports import Bucket, ObjectInfo
from tests.s3server import drop_bucket

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared/fixtures/divbase-upstream"

ESCAPING_KEYS = [
    "../x",
    "/etc/passwd",
    "a/../../x",
    "a\\b",
    "a\x00b",
    "a\u2215b",
    "\uff0e\uff0e/x",
    "a//b",
    ".divbase/etags.json",
    "",
]


@pytest.fixture(params=["local", "s3"])
def bucket(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bucket]:
    if request.param == "local":
        root = tmp_path / "bucket"
        root.mkdir()
        yield LocalBucket(root)
    elif request.param == "s3":  # a fresh versioned bucket on the session's SeaweedFS (conftest.py)
        yield request.getfixturevalue("s3_bucket")
    else:  # pragma: no cover - future implementations
        raise AssertionError(request.param)


@pytest.fixture
def local_bucket(tmp_path: Path) -> LocalBucket:
    root = tmp_path / "local"
    root.mkdir()
    return LocalBucket(root)


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# -- the contract -----------------------------------------------------------------------------


def test_empty_bucket_lists_nothing(bucket: Bucket) -> None:
    assert bucket.list() == []


def test_put_head_read_delete_round_trip(bucket: Bucket) -> None:
    info = bucket.put_bytes(b"hello\n", "notes/readme.txt")
    assert info == ObjectInfo("notes/readme.txt", info.version, 6, _md5(b"hello\n"))
    assert bucket.head("notes/readme.txt") == info
    assert bucket.read_bytes("notes/readme.txt") == b"hello\n"
    bucket.delete("notes/readme.txt")
    assert bucket.list() == []
    with pytest.raises(NotFound):
        bucket.head("notes/readme.txt")


def test_put_file_and_fetch(bucket: Bucket, tmp_path: Path) -> None:
    src = FIXTURES / "HOM_20ind_17SNPs.1.vcf.gz"
    data = src.read_bytes()
    info = bucket.put_file(src, "vcf/HOM.1.vcf.gz")
    assert (info.size, info.etag) == (len(data), _md5(data))
    work = tmp_path / "work"
    work.mkdir()
    assert bucket.fetch("vcf/HOM.1.vcf.gz", work).read_bytes() == data


def test_list_is_sorted_by_key_with_folders(bucket: Bucket) -> None:
    keys = ["b.vcf.gz", "a/z.tsv", "a/b/c.vcf.gz", "a.vcf.gz", "A.tsv", "a-b.tsv", "é.tsv"]
    for key in keys:
        bucket.put_bytes(key.encode(), key)
    listed = bucket.list()
    assert [o.key for o in listed] == sorted(keys)
    assert all(o.etag == _md5(o.key.encode()) and o.size == len(o.key.encode()) for o in listed)
    assert [o.key for o in bucket.list("a/")] == ["a/b/c.vcf.gz", "a/z.tsv"]
    assert [o.key for o in bucket.list("a/b/")] == ["a/b/c.vcf.gz"]
    assert [o.key for o in bucket.list("a")] == ["a-b.tsv", "a.vcf.gz", "a/b/c.vcf.gz", "a/z.tsv"]
    assert bucket.list("nothing/") == []


def test_version_is_stable_on_identical_rewrite(bucket: Bucket, tmp_path: Path) -> None:
    first = bucket.put_bytes(b"same", "f.tsv")
    again = bucket.put_bytes(b"same", "f.tsv")
    src = tmp_path / "same.tsv"
    src.write_bytes(b"same")
    from_file = bucket.put_file(src, "f.tsv")
    assert first.version == again.version == from_file.version == bucket.head("f.tsv").version
    assert bucket.list() == [bucket.head("f.tsv")]


def test_version_changes_when_content_changes(bucket: Bucket) -> None:
    first = bucket.put_bytes(b"one", "f.tsv")
    second = bucket.put_bytes(b"two", "f.tsv")
    assert first.version != second.version
    assert bucket.head("f.tsv") == second
    assert second.etag == _md5(b"two")
    assert bucket.read_bytes("f.tsv") == b"two"


def test_missing_keys_are_not_found(bucket: Bucket, tmp_path: Path) -> None:
    for call in (
        lambda: bucket.head("nope.vcf.gz"),
        lambda: bucket.read_bytes("nope.vcf.gz"),
        lambda: bucket.fetch("nope.vcf.gz", tmp_path),
        lambda: bucket.delete("nope.vcf.gz"),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert "No file 'nope.vcf.gz' in bucket" in str(caught.value)
        assert "divbase files ls" in str(caught.value)
        assert caught.value.exit_code == 4


@pytest.mark.parametrize("key", ESCAPING_KEYS)
def test_escaping_keys_are_refused(bucket: Bucket, key: str, tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_bytes(b"x")
    calls: list[Callable[[], object]] = [
        lambda: bucket.put_bytes(b"x", key),
        lambda: bucket.put_file(src, key),
        lambda: bucket.head(key),
        lambda: bucket.read_bytes(key),
        lambda: bucket.fetch(key, tmp_path),
        lambda: bucket.delete(key),
    ]
    for call in calls:
        with pytest.raises(UnsafeKey) as caught:
            call()
        assert caught.value.exit_code == 2
    assert bucket.list() == []
    assert not (tmp_path / "x").exists()


def test_deleting_a_folder_member_keeps_the_rest(bucket: Bucket) -> None:
    bucket.put_bytes(b"1", "d/one.tsv")
    bucket.put_bytes(b"2", "d/two.tsv")
    bucket.delete("d/one.tsv")
    assert [o.key for o in bucket.list()] == ["d/two.tsv"]


# -- local directory specifics ------------------------------------------------------------------


def test_symlink_pointing_outside_is_not_listed_or_readable(local_bucket: LocalBucket, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (local_bucket.root / "link.txt").symlink_to(secret)
    (tmp_path / "outside_dir").mkdir()
    (tmp_path / "outside_dir" / "f.vcf.gz").write_text("x")
    (local_bucket.root / "dirlink").symlink_to(tmp_path / "outside_dir")
    local_bucket.put_bytes(b"ok", "ok.tsv")
    assert [o.key for o in local_bucket.list()] == ["ok.tsv"]
    for key in ("link.txt", "dirlink/f.vcf.gz"):
        with pytest.raises(UnsafeKey, match="outside the bucket"):
            local_bucket.read_bytes(key)
        with pytest.raises(UnsafeKey):
            local_bucket.put_bytes(b"overwrite", key)
    assert secret.read_text() == "secret"


def test_symlink_inside_the_bucket_is_listed(local_bucket: LocalBucket) -> None:
    local_bucket.put_bytes(b"data", "real.tsv")
    (local_bucket.root / "alias.tsv").symlink_to(local_bucket.root / "real.tsv")
    assert [o.key for o in local_bucket.list()] == ["alias.tsv", "real.tsv"]
    assert local_bucket.read_bytes("alias.tsv") == b"data"


def test_state_folder_and_temp_files_are_not_listed(local_bucket: LocalBucket) -> None:
    local_bucket.put_bytes(b"x", "a.tsv")
    assert (local_bucket.root / ".divbase" / "etags.json").is_file()
    assert [o.key for o in local_bucket.list()] == ["a.tsv"]
    assert list((local_bucket.root / ".divbase" / "tmp").iterdir()) == []


def test_files_written_by_hand_are_listed_and_hashed_once(local_bucket: LocalBucket) -> None:
    for i in range(5):
        (local_bucket.root / f"f{i}.txt").write_bytes(b"%d" % i)
    first = local_bucket.list()
    assert local_bucket.hashed == 5
    assert [o.etag for o in first] == [_md5(b"%d" % i) for i in range(5)]
    assert LocalBucket(local_bucket.root).list() == first  # a fresh instance reads the cache
    again = LocalBucket(local_bucket.root)
    assert again.list() == first
    assert again.hashed == 0


def test_only_changed_files_are_rehashed(local_bucket: LocalBucket) -> None:
    for i in range(4):
        local_bucket.put_bytes(b"v1-%d" % i, f"f{i}.vcf.gz")
    assert local_bucket.hashed == 0  # puts record their own MD5
    path = local_bucket.root / "f2.vcf.gz"
    path.write_bytes(b"v2-2 longer")
    fresh = LocalBucket(local_bucket.root)
    listed = {o.key: o for o in fresh.list()}
    assert fresh.hashed == 1
    assert listed["f2.vcf.gz"].etag == _md5(b"v2-2 longer")
    # rewritten by hand with identical content: new mtime, rehashed once, same version
    before = listed["f1.vcf.gz"].version
    (local_bucket.root / "f1.vcf.gz").write_bytes(b"v1-1")
    os.utime(local_bucket.root / "f1.vcf.gz", ns=(1, 1))
    assert {o.key: o for o in fresh.list()}["f1.vcf.gz"].version == before
    assert fresh.hashed == 2


def test_same_size_same_mtime_change_is_detected_via_inode(local_bucket: LocalBucket, tmp_path: Path) -> None:
    """An editor that saves by rename gives a new inode even when size and mtime match."""
    local_bucket.put_bytes(b"AAAA", "f.tsv")
    path = local_bucket.root / "f.tsv"
    st = path.stat()
    replacement = tmp_path / "new"
    replacement.write_bytes(b"BBBB")
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(replacement, path)
    assert local_bucket.head("f.tsv").etag == _md5(b"BBBB")


@pytest.mark.parametrize("garbage", ["{not json", "[]", '{"etags": {"f.tsv": [1, 2]}}', '{"etags": 5}'])
def test_corrupt_cache_is_rebuilt(local_bucket: LocalBucket, garbage: str) -> None:
    local_bucket.put_bytes(b"content", "f.tsv")
    cache = local_bucket.root / ".divbase" / "etags.json"
    cache.write_text(garbage)
    fresh = LocalBucket(local_bucket.root)
    assert fresh.head("f.tsv").etag == _md5(b"content")
    assert fresh.hashed == 1
    assert "f.tsv" in json.loads(cache.read_text())["etags"]


def test_cache_forgets_deleted_files(local_bucket: LocalBucket) -> None:
    local_bucket.put_bytes(b"1", "a.tsv")
    local_bucket.put_bytes(b"2", "b.tsv")
    (local_bucket.root / "a.tsv").unlink()
    local_bucket.list()
    cached = json.loads((local_bucket.root / ".divbase" / "etags.json").read_text())["etags"]
    assert sorted(cached) == ["b.tsv"]


def test_fetch_returns_the_file_itself(local_bucket: LocalBucket, tmp_path: Path) -> None:
    local_bucket.put_bytes(b"x", "d/f.tsv")
    assert local_bucket.fetch("d/f.tsv", tmp_path) == local_bucket.root / "d" / "f.tsv"


def test_delete_removes_empty_folders(local_bucket: LocalBucket) -> None:
    local_bucket.put_bytes(b"x", "a/b/c.tsv")
    local_bucket.delete("a/b/c.tsv")
    assert list(local_bucket.root.iterdir()) == [local_bucket.root / ".divbase"]


def test_unlistable_names_are_skipped_with_a_warning(
    local_bucket: LocalBucket, caplog: pytest.LogCaptureFixture
) -> None:
    (local_bucket.root / "bad\\name.txt").write_text("x")
    (local_bucket.root / "good.txt").write_text("x")
    assert [o.key for o in local_bucket.list()] == ["good.txt"]
    assert "bad\\name.txt" in caplog.text


# -- S3 specifics (a real SeaweedFS server, see conftest.py) -----------------------------------


def _versions(bucket: S3Bucket, key: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    response = bucket.client.list_object_versions(Bucket=bucket.name, Prefix=key)
    versions = [v for v in response.get("Versions", []) if v["Key"] == key]
    markers = [m for m in response.get("DeleteMarkers", []) if m["Key"] == key]
    return versions, markers


def test_s3_delete_is_a_soft_delete(s3_bucket: S3Bucket) -> None:
    first = s3_bucket.put_bytes(b"one", "f.tsv")
    second = s3_bucket.put_bytes(b"two", "f.tsv")
    s3_bucket.delete("f.tsv")
    versions, markers = _versions(s3_bucket, "f.tsv")
    assert sorted(v["VersionId"] for v in versions) == sorted([first.version, second.version])
    assert not any(v["IsLatest"] for v in versions)
    assert len(markers) == 1 and markers[0]["IsLatest"]
    assert s3_bucket.list() == []
    with pytest.raises(NotFound, match=r"No file 'f\.tsv' in bucket"):
        s3_bucket.read_bytes("f.tsv")
    old = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key="f.tsv", VersionId=first.version)
    assert old["Body"].read() == b"one"


def test_s3_identical_rewrite_adds_no_version(s3_bucket: S3Bucket) -> None:
    s3_bucket.put_bytes(b"same", "f.tsv")
    s3_bucket.put_bytes(b"same", "f.tsv")
    assert len(_versions(s3_bucket, "f.tsv")[0]) == 1


def test_s3_listing_skips_folder_markers_state_and_odd_names(
    s3_bucket: S3Bucket, caplog: pytest.LogCaptureFixture
) -> None:
    # (SeaweedFS turns '\\' into '/', so the odd name is an invisible character instead)
    for key in ("folder/", "folder/sub/", ".divbase/etags.json", ".DIVBASE/x", "odd\u200bname.txt"):
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=key, Body=b"")
    s3_bucket.put_bytes(b"x", "folder/ok.tsv")
    assert [o.key for o in s3_bucket.list()] == ["folder/ok.tsv"]
    assert [o.key for o in s3_bucket.list("folder/")] == ["folder/ok.tsv"]
    assert "odd\\u200bname.txt" in caplog.text


def test_s3_listing_follows_pages(s3_bucket: S3Bucket) -> None:
    for i in range(5):
        s3_bucket.put_bytes(b"%d" % i, f"p/{i}.tsv")
    s3_bucket.put_bytes(b"changed", "p/1.tsv")
    s3_bucket.delete("p/3.tsv")
    everything = s3_bucket.list()
    paged = S3Bucket(s3_bucket.name, s3_bucket.client, page_size=2)
    assert paged.list() == everything
    assert [o.key for o in everything] == ["p/0.tsv", "p/1.tsv", "p/2.tsv", "p/4.tsv"]
    assert everything[1] == s3_bucket.head("p/1.tsv")
    assert everything[1].etag == _md5(b"changed")


def test_s3_fetch_writes_one_safe_file_name_per_key(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    s3_bucket.put_bytes(b"deep", "a/b/c.vcf.gz")
    path = s3_bucket.fetch("a/b/c.vcf.gz", tmp_path)
    assert path == tmp_path.resolve() / "a@@b@@c.vcf.gz"
    assert path.read_bytes() == b"deep"
    s3_bucket.put_bytes(b"deeper", "a/b/c.vcf.gz")
    assert s3_bucket.fetch("a/b/c.vcf.gz", tmp_path).read_bytes() == b"deeper"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a@@b@@c.vcf.gz"]


def test_s3_multipart_upload_over_the_threshold(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    """100 MiB (sparse, with a marker in each 32 MiB part): 4 parts, composite ETag, verified fetch."""
    size = 100 * MIB + 7
    src = tmp_path / "big.vcf.gz"
    with open(src, "wb") as out:
        out.truncate(size)
        for offset in range(0, size, PART_SIZE):
            out.seek(offset)
            out.write(b"part at %d" % offset)
    with open(src, "rb") as stream:
        expected = composite_etag(stream, PART_SIZE)
    assert expected.endswith("-4")
    info = s3_bucket.put_file(src, "big.vcf.gz")
    assert (info.etag, info.size) == (expected, size)
    assert s3_bucket.head("big.vcf.gz") == info
    again = s3_bucket.put_file(src, "big.vcf.gz")
    assert again.version == info.version
    work = tmp_path / "work"
    work.mkdir()
    fetched = s3_bucket.fetch("big.vcf.gz", work)
    with open(fetched, "rb") as got, open(src, "rb") as want:
        assert hashlib.file_digest(got, "sha256").digest() == hashlib.file_digest(want, "sha256").digest()


def test_s3_unversioned_bucket_uses_the_etag_as_version(s3_client: Any) -> None:
    name = f"divbase-test-plain-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    try:
        plain = S3Bucket(name, s3_client)
        first = plain.put_bytes(b"one", "f.tsv")
        second = plain.put_bytes(b"two", "f.tsv")
        assert (first.version, second.version) == (_md5(b"one"), _md5(b"two"))
        assert plain.list() == [second]
    finally:
        drop_bucket(s3_client, name)
