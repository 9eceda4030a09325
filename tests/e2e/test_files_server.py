"""`divbase files` against the running service: the CLI gets presigned URLs from the API and moves the bytes
straight to and from SeaweedFS. Round trips (multipart over 96 MiB included), versions, soft delete and
restore, roles, refused names, and a download corrupted in transit (by a real HTTP proxy that flips a byte
of the S3 answer) that the CLI detects, deletes and reports."""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.e2e.conftest import World, new_project
from tests.e2e.stack import free_port
from tests.integration.test_files_local import big_file, md5

pytestmark = pytest.mark.e2e

VCF = "HOM_20ind_17SNPs.1.vcf.gz"


def raw(world: World, *args: str, user: str = "manage") -> tuple[int, bytes, str]:
    env = {**world.stack.env, "DIVBASE_TOKEN": world.tokens[user]}
    proc = subprocess.run([sys.executable, "-m", "divbase", *args], capture_output=True, env=env, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


@pytest.fixture
def project(world: World, request: pytest.FixtureRequest) -> str:
    name = f"files-{request.node.name.split('[')[0].replace('_', '-')[5:30].strip('-')}"
    return new_project(world, name, {})


def test_upload_ls_download_stream_round_trip(world: World, project: str, tmp_path: Path) -> None:
    meta = tmp_path / "sample_metadata.tsv"
    meta.write_text("#Sample_ID\tArea\nS1\tNorth\n")
    run = world.cli("files", "upload", str(FIXTURES / VCF), str(meta), "--to", "/data/", "--project", project)
    assert run.code == 0, run.stderr
    assert "checksum verified" in run.stderr and "divbase submit dimensions-update" in run.stderr
    assert world.bucket(project).read_bytes(f"data/{VCF}") == (FIXTURES / VCF).read_bytes()
    listing = world.cli("files", "ls", "--json", "--project", project).json()["files"]
    assert [(f["key"], f["size"], f["etag"]) for f in listing] == [
        (f"data/{VCF}", (FIXTURES / VCF).stat().st_size, md5(FIXTURES / VCF)),
        ("data/sample_metadata.tsv", meta.stat().st_size, md5(meta)),
    ]
    down = tmp_path / "down"
    run = world.cli("files", "download", f"data/{VCF}", "data/sample_metadata.tsv", "-d", str(down), "-p", project)
    assert run.code == 0, run.stderr
    assert (down / "data" / VCF).read_bytes() == (FIXTURES / VCF).read_bytes()
    assert (down / "data" / "sample_metadata.tsv").read_bytes() == meta.read_bytes()
    code, data, err = raw(world, "files", "stream", f"data/{VCF}", "--project", project)
    assert code == 0 and data == (FIXTURES / VCF).read_bytes(), err


def test_versions_soft_delete_and_restore(world: World, project: str, tmp_path: Path) -> None:
    src = tmp_path / "notes.md"
    src.write_text("first\n")
    assert world.cli("files", "upload", str(src), "-p", project).code == 0
    src.write_text("second version\n")
    assert world.cli("files", "upload", str(src), "-p", project).code == 0
    rows = world.cli("files", "versions", "notes.md", "--json", "-p", project).json()["versions"]
    assert [(r["size"], r["current"], r["deleted"]) for r in rows] == [(15, True, False), (6, False, False)]
    first, second = rows[1]["version"], rows[0]["version"]

    run = world.cli("files", "rm", "notes.md", "-p", project)
    assert run.code == 0 and "Deleted 'notes.md'" in run.stderr
    assert world.cli("files", "ls", "--json", "-p", project).json() == {"files": []}
    rows = world.cli("files", "versions", "notes.md", "--json", "-p", project).json()["versions"]
    assert rows[0]["deleted"] and rows[0]["current"] and [r["version"] for r in rows[1:]] == [second, first]
    assert world.cli("files", "download", "notes.md", "-d", str(tmp_path / "x"), "-p", project).code == 4

    run = world.cli("files", "restore", "notes.md", "-p", project)
    assert run.code == 0 and "restored" in run.stderr
    assert world.bucket(project).read_bytes("notes.md") == b"second version\n"
    assert "already live" in world.cli("files", "restore", "notes.md", "-p", project).stderr
    assert world.cli("files", "restore", "notes.md", "--version", first, "-p", project).code == 0
    assert world.bucket(project).read_bytes("notes.md") == b"first\n"
    code, data, _ = raw(world, "files", "stream", "notes.md", "--version", second, "-p", project)
    assert code == 0 and data == b"second version\n"
    run = world.cli("files", "download", "notes.md", "--version", second, "-d", str(tmp_path / "old"), "-p", project)
    assert run.code == 0 and (tmp_path / "old" / "notes.md").read_bytes() == b"second version\n"
    run = world.cli("files", "rm", "notes.md", "gone.md", "--json", "-p", project)
    assert run.code == 4 and run.json() == {"deleted": ["notes.md"], "not_found": ["gone.md"]}


def test_multipart_upload_and_download_over_96_mib(world: World, project: str, tmp_path: Path) -> None:
    src = big_file(tmp_path / "big.txt", mib=100)
    run = world.cli("files", "upload", str(src), "-p", project)
    assert run.code == 0, run.stderr
    stored = world.bucket(project).head("big.txt")
    with src.open("rb") as handle:
        parts = [hashlib.md5(chunk).digest() for chunk in iter(lambda: handle.read(32 << 20), b"")]
    assert stored.etag == f"{hashlib.md5(b''.join(parts)).hexdigest()}-4"  # composite ETag of 32 MiB parts
    run = world.cli("files", "download", "big.txt", "-d", str(tmp_path / "down"), "-p", project)
    assert run.code == 0, run.stderr
    assert md5(tmp_path / "down" / "big.txt") == md5(src)
    code, data, err = raw(world, "files", "stream", "big.txt", "-p", project)
    assert code == 0 and hashlib.md5(data).hexdigest() == md5(src), err


class _Tamper(http.server.BaseHTTPRequestHandler):
    """A forward HTTP proxy that flips one byte in every GET answer whose path contains `target`."""

    target = ""
    seen: list[str] = []  # noqa: RUF012 - set per test

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        with httpx.Client(trust_env=False, timeout=60) as client:
            answer = client.request(self.command, self.path, headers=headers, content=body)
        data = answer.content
        if self.command == "GET" and self.target in self.path and answer.status_code == 200 and data:
            self.seen.append(self.path)
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tamper() -> Iterator[tuple[type[_Tamper], str]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Tamper)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield _Tamper, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_download_corrupted_in_transit_is_detected_and_deleted(
    world: World, project: str, tmp_path: Path, tamper: tuple[type[_Tamper], str]
) -> None:
    handler, proxy = tamper
    src = tmp_path / "data.tsv"
    src.write_text("a\tb\n" * 1000)
    assert world.cli("files", "upload", str(src), "-p", project).code == 0
    handler.target, handler.seen = f"/divbase-{project}/data.tsv", []
    # Only traffic to S3 goes through the proxy; the API is reached directly.
    via_proxy = {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": world.stack.api_url}
    via_proxy["no_proxy"] = via_proxy["NO_PROXY"]
    down = tmp_path / "down"
    run = world.cli("files", "download", "data.tsv", "-d", str(down), "-p", project, env=via_proxy)
    assert handler.seen, "the download did not pass through the tampering proxy"
    assert run.code == 1, run.stderr
    assert "Download of 'data.tsv' is corrupt" in run.stderr and f"Expected: {md5(src)}" in run.stderr
    assert "has been deleted" in run.stderr
    assert not down.exists() or not any(down.rglob("*"))
    assert world.cli("files", "download", "data.tsv", "-d", str(down), "-p", project).code == 0  # no proxy: fine
    assert (down / "data.tsv").read_bytes() == src.read_bytes()


def test_roles_and_outsiders(world: World, tmp_path: Path) -> None:
    src = tmp_path / "r.tsv"
    src.write_text("x\n")
    weak = world.cli("files", "upload", str(src), "--project", "alpha", user="read")
    assert weak.code == 3 and "needs EDIT" in weak.stderr
    assert world.cli("files", "rm", "r.tsv", "--project", "alpha", user="read").code == 3
    assert world.cli("files", "restore", "r.tsv", "--project", "alpha", user="query").code == 3
    assert world.cli("files", "upload", str(src), "--project", "alpha", user="edit").code == 0
    assert world.cli("files", "ls", "--project", "alpha", user="read").stdout.split()[0] == "r.tsv"
    assert world.cli("files", "versions", "r.tsv", "--project", "alpha", user="read").code == 0
    for args in (["ls"], ["download", "r.tsv", "-d", str(tmp_path / "o")], ["upload", str(src)]):
        outsider = world.cli("files", *args, "--project", "alpha", user="outsider")
        assert outsider.code == 4 and "not found or you are not a member" in outsider.stderr, args
    assert world.cli("files", "rm", "r.tsv", "--project", "alpha", user="edit").code == 0


@pytest.mark.parametrize(
    ("key", "status"),
    [("../x.tsv", 400), ("/etc/passwd.tsv", 400), ("a\\b.tsv", 400), ("dat:a.tsv", 400), ("x.vcf", 400)],
)
def test_the_api_refuses_bad_upload_names(world: World, key: str, status: int) -> None:
    answer = world.api("POST", "/v1/projects/alpha/files/upload-urls", json=[{"key": key, "size": 3, "md5": "0" * 32}])
    assert answer.status_code == status and repr(key) in answer.json()["detail"]


def test_the_api_limits_batches_and_sizes(world: World) -> None:
    many = [{"key": f"f{i}.tsv", "size": 1, "md5": "0" * 32} for i in range(101)]
    assert world.api("POST", "/v1/projects/alpha/files/upload-urls", json=many).status_code == 400
    empty = [{"key": "e.tsv", "size": 0, "md5": "0" * 32}]
    assert world.api("POST", "/v1/projects/alpha/files/upload-urls", json=empty).status_code == 422
    params = [("key", f"k{i}.tsv") for i in range(101)]
    assert world.api("DELETE", "/v1/projects/alpha/files", params=params).status_code == 400


def test_cli_refuses_bad_names_before_calling_the_server(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "dat:a.tsv"
    bad.write_text("x\n")
    run = world.cli("files", "upload", str(bad), "--project", "no-such-project")
    assert run.code == 2 and "contains ':'" in run.stderr
    run = world.cli("files", "download", "../x", "--project", "no-such-project")
    assert run.code == 2 and "Invalid file name" in run.stderr
