"""S3Bucket failure modes against a real SeaweedFS: every failure is a divbase error with a clear
message and the right exit code, and a corrupt download is caught, retried, and never left behind."""

from __future__ import annotations

import hashlib
import io
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from divbase.adapters import s3_bucket, s3_etag
from divbase.adapters.s3_bucket import S3Bucket, client_from, create_bucket
from divbase.adapters.s3_etag import ChecksumMismatch
from divbase.core.errors import NotAuthorized, NotFound, Unavailable, UnsafeKey
from tests.s3server import SeaweedServer, drop_bucket


def _calls(bucket: S3Bucket, tmp_path: Path) -> list[Callable[[], object]]:
    src = tmp_path / "src.tsv"
    src.write_bytes(b"data")
    return [
        lambda: bucket.list(),
        lambda: bucket.head("f.tsv"),
        lambda: bucket.read_bytes("f.tsv"),
        lambda: bucket.fetch("f.tsv", tmp_path),
        lambda: bucket.put_bytes(b"data", "f.tsv"),
        lambda: bucket.put_file(src, "f.tsv"),
        lambda: bucket.delete("f.tsv"),
    ]


def test_unreachable_endpoint_is_unavailable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    bucket = S3Bucket("divbase-x", client_from(url, "k", "s", max_attempts=1, connect_timeout=1))
    for call in _calls(bucket, tmp_path):
        with pytest.raises(Unavailable) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(f"S3 server at {url} is not reachable: ")
        assert "check DIVBASE_S3_ENDPOINT and that the server runs" in message
        assert caught.value.exit_code == 5


@pytest.mark.parametrize("who", ["wrong secret", "unknown key"])
def test_bad_credentials_are_not_authorized(
    who: str, s3_server: SeaweedServer, s3_bucket: S3Bucket, tmp_path: Path
) -> None:
    s3_bucket.put_bytes(b"data", "f.tsv")
    key, secret = (s3_server.access_key, "wrong") if who == "wrong secret" else ("nobody", "x")
    intruder = S3Bucket(s3_bucket.name, client_from(s3_server.endpoint, key, secret, max_attempts=1))
    for call in _calls(intruder, tmp_path):
        with pytest.raises(NotAuthorized) as caught:
            call()
        assert f"The S3 server at {s3_server.endpoint} refused access to bucket '{s3_bucket.name}'" in str(caught.value)
        assert "DIVBASE_S3_SECRET_KEY" in str(caught.value)
        assert caught.value.exit_code == 3
    assert s3_bucket.read_bytes("f.tsv") == b"data"


def test_missing_bucket_is_not_found_and_not_created(s3_client: Any, tmp_path: Path) -> None:
    name = f"divbase-test-missing-{uuid.uuid4().hex[:12]}"
    missing = S3Bucket(name, s3_client)
    for call in _calls(missing, tmp_path):
        with pytest.raises(NotFound) as caught:
            call()
        assert str(caught.value).startswith(f"No bucket '{name}' on the S3 server at {missing.endpoint}.")
        assert caught.value.exit_code == 4
    assert not missing.exists()


def test_create_bucket_is_idempotent_and_versioned(s3_client: Any) -> None:
    name = f"divbase-test-new-{uuid.uuid4().hex[:12]}"
    try:
        create_bucket(s3_client, name).put_bytes(b"kept", "f.tsv")
        again = create_bucket(s3_client, name)
        assert again.read_bytes("f.tsv") == b"kept"
        assert s3_client.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    finally:
        drop_bucket(s3_client, name)


# -- checksums -----------------------------------------------------------------------------------


def test_verify_download_deletes_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "f.vcf.gz"
    path.write_bytes(b"corrupted")
    good = hashlib.md5(b"original").hexdigest()
    with pytest.raises(ChecksumMismatch) as caught:
        s3_etag.verify_download(path, good)
    assert str(caught.value) == (
        f"Checksum verification failed. Expected: {good}, Calculated: {hashlib.md5(b'corrupted').hexdigest()}. "
        "The file has been deleted to avoid accidental use of a corrupted file."
    )
    assert caught.value.exit_code == 1
    assert not path.exists()


def test_verify_download_accepts_plain_and_multipart_etags(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abcdefghij")
    s3_etag.verify_download(path, hashlib.md5(b"abcdefghij").hexdigest())
    parts = [hashlib.md5(b"abcdefghij").digest()]
    s3_etag.verify_download(path, hashlib.md5(b"".join(parts)).hexdigest() + "-1")
    s3_etag.verify_download(path, "not-an-md5-etag")  # unknown form: cannot verify, not an error
    assert path.exists()
    with pytest.raises(ChecksumMismatch):
        s3_etag.verify_download(path, hashlib.md5(b"other").hexdigest() + "-1")


def test_composite_etag_matches_the_s3_formula() -> None:
    data = bytes(range(256)) * 5  # 1280 bytes -> parts of 512, 512, 256
    parts = [hashlib.md5(data[i : i + 512]).digest() for i in range(0, len(data), 512)]
    expected = hashlib.md5(b"".join(parts)).hexdigest() + "-3"
    assert s3_etag.composite_etag(io.BytesIO(data), 512) == expected


def _corrupting(bucket: S3Bucket, times: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the first `times` downloads of `bucket` arrive damaged; returns the download counter."""
    real = bucket._download
    count = [0]

    def download(key: str, version_id: str | None, target: Path) -> None:
        real(key, version_id, target)
        count[0] += 1
        if count[0] <= times:
            with open(target, "r+b") as handle:
                handle.write(b"X")

    monkeypatch.setattr(bucket, "_download", download)
    return count


def test_fetch_retries_a_corrupt_download(s3_bucket: S3Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s3_bucket.put_bytes(b"payload", "d/f.vcf.gz")
    count = _corrupting(s3_bucket, 2, monkeypatch)
    assert s3_bucket.fetch("d/f.vcf.gz", tmp_path).read_bytes() == b"payload"
    assert count[0] == 3


def test_fetch_gives_up_after_three_corrupt_downloads(
    s3_bucket: S3Bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3_bucket.put_bytes(b"payload", "d/f.vcf.gz")
    count = _corrupting(s3_bucket, 99, monkeypatch)
    with pytest.raises(ChecksumMismatch) as caught:
        s3_bucket.fetch("d/f.vcf.gz", tmp_path)
    assert count[0] == 3
    assert "Checksum verification of 'd/f.vcf.gz'" in str(caught.value)
    assert "failed 3 times" in str(caught.value)
    assert "Expected: " + hashlib.md5(b"payload").hexdigest() in str(caught.value)
    assert list(tmp_path.iterdir()) == []


class _CorruptingClient:
    """Passes everything to the real client but damages the first `times` GetObject bodies."""

    def __init__(self, client: Any, times: int) -> None:
        self._client, self.times, self.gets = client, times, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._client.get_object(**kwargs)
        self.gets += 1
        if self.gets <= self.times:
            response["Body"] = io.BytesIO(b"X" + response["Body"].read()[1:])
        return response


def test_read_bytes_retries_then_gives_up(s3_bucket: S3Bucket) -> None:
    s3_bucket.put_bytes(b"payload", "f.tsv")
    flaky = _CorruptingClient(s3_bucket.client, times=1)
    assert S3Bucket(s3_bucket.name, flaky).read_bytes("f.tsv") == b"payload"
    assert flaky.gets == 2
    broken = _CorruptingClient(s3_bucket.client, times=99)
    with pytest.raises(ChecksumMismatch, match="failed 3 times"):
        S3Bucket(s3_bucket.name, broken).read_bytes("f.tsv")
    assert broken.gets == 3


# -- local file names ----------------------------------------------------------------------------


def test_local_path_stays_inside_workdir(tmp_path: Path) -> None:
    assert s3_bucket.local_path("a/b/c.vcf.gz", tmp_path) == tmp_path.resolve() / "a@@b@@c.vcf.gz"
    long_key = "/".join(["d" * 200] * 4) + "/sample.vcf.gz"
    path = s3_bucket.local_path(long_key, tmp_path)
    assert path.parent == tmp_path.resolve()
    assert len(path.name.encode()) <= 255 and path.name.endswith("@@sample.vcf.gz")
    assert s3_bucket.local_path(long_key, tmp_path) == path
    assert s3_bucket.local_path(long_key.replace("d", "e", 1), tmp_path) != path
    for key in ("../x", "/etc/passwd", "a/../../x", ".divbase/x"):
        with pytest.raises(UnsafeKey):
            s3_bucket.local_path(key, tmp_path)
