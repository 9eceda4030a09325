"""The whole service on this machine for end-to-end tests: PostgreSQL and Redis (already running),
SeaweedFS, a uvicorn API process and Celery worker (and Beat) processes, all real."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    api_url: str
    procs: dict[str, Proc] = field(default_factory=dict)

    def start(self, name: str, args: Sequence[str], extra_env: dict[str, str] | None = None) -> Proc:
        log = self.root / f"{name}.log"
        handle: IO[bytes] = log.open("wb")
        popen = subprocess.Popen(
            [sys.executable, "-m", "divbase", *args],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**self.env, **(extra_env or {})},
            start_new_session=True,
        )
        proc = Proc(name, popen, log)
        self.procs[name] = proc
        return proc

    def start_worker(self, name: str, extra_env: dict[str, str] | None = None, concurrency: int = 1) -> Proc:
        proc = self.start(name, ["serve", "worker", "-n", f"{name}@%h", "-c", str(concurrency)], extra_env)
        wait_for(lambda: "ready." in proc.log.read_text(errors="replace"), 60, f"worker {name}", proc)
        return proc

    def start_api(self) -> Proc:
        port = self.api_url.rsplit(":", 1)[1]
        proc = self.start("api", ["serve", "api", "--port", port])
        wait_for(lambda: _healthy(self.api_url), 60, "api", proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Any, timeout: float, what: str, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.popen.returncode}:\n{proc.tail()}")
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout} s" + (f":\n{proc.tail()}" if proc else ""))


def service_env(root: Path, pg_url: str, s3: Any, api_port: int) -> dict[str, str]:
    """DIVBASE_* settings for every process of the stack (Redis db chosen at random to isolate runs)."""
    redis_db = random.randint(1, 15)
    return {
        **os.environ,
        "DIVBASE_DATABASE_URL": pg_url,
        "DIVBASE_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DIVBASE_S3_ENDPOINT": s3.endpoint,
        "DIVBASE_S3_ACCESS_KEY": s3.access_key,
        "DIVBASE_S3_SECRET_KEY": s3.secret_key,
        "DIVBASE_JWT_SECRET": "e2e-secret-key-that-is-long-enough-0123456789",
        "DIVBASE_WORKER_CACHE_DIR": str(root / "worker-cache"),
        "DIVBASE_VISIBILITY_TIMEOUT_SECONDS": "12",
        "DIVBASE_CONFIG_DIR": str(root / "client-config"),
        "DIVBASE_URL": f"http://127.0.0.1:{api_port}",
        "PYTHONUNBUFFERED": "1",
    }
