"""Shared test helpers: the real CLI in a subprocess, the upstream fixtures, VCF record comparison."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "divbase-upstream"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def divbase(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run the real `divbase` CLI in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "divbase", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def records(path: Path) -> list[str]:
    """Every line of a (b)gzipped VCF that does not start with '##' (the result-identity contract)."""
    with gzip.open(path, "rt") as handle:
        return [line for line in handle if not line.startswith("##")]


@pytest.fixture(autouse=True, scope="session")
def _isolated_client_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The CLI's config and tokens live in a test directory, never in the user's home."""
    os.environ["DIVBASE_CONFIG_DIR"] = str(tmp_path_factory.mktemp("client-config"))
    for name in ("DIVBASE_URL", "DIVBASE_TOKEN", "DIVBASE_PROJECT", "DIVBASE_BUCKET_DIR"):
        os.environ.pop(name, None)


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"Upstream fixtures missing at {FIXTURES}; they live in ../shared next to the repo.")
    return FIXTURES


@pytest.fixture
def make_project(tmp_path: Path, fixtures: Path) -> Callable[..., Path]:
    """A bucket directory holding copies of the named fixture files (optionally under new keys)."""

    def make(names: Sequence[str] | dict[str, str], name: str = "project") -> Path:
        root = tmp_path / name
        root.mkdir()
        pairs = names.items() if isinstance(names, dict) else ((n, n) for n in names)
        for key, source in pairs:
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixtures / source, target)
        return root

    return make


@pytest.fixture
def indexed_project(make_project: Callable[..., Path]) -> Callable[..., Path]:
    """A project whose dimensions are up to date."""

    def make(names: Sequence[str] | dict[str, str], name: str = "project") -> Path:
        root = make_project(names, name)
        result = divbase("run", "dimensions-update", "--bucket-dir", str(root))
        assert result.code == 0, result.stderr
        return root

    return make


PG_ADMIN_URL = os.environ.get("DIVBASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database(prefix: str = "divbase_test") -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    import uuid

    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://")
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped afterwards)."""
    with fresh_database() as url:
        yield url


S3_TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def s3_server() -> Any:
    """A running SeaweedFS (`weed mini`) on free loopback ports, with authentication on."""
    import time

    from tests.s3server import SeaweedServer

    began = time.monotonic()
    server = SeaweedServer().start()
    S3_TIMINGS["start"] = time.monotonic() - began
    try:
        yield server
    finally:
        began = time.monotonic()
        server.stop()
        S3_TIMINGS["stop"] = time.monotonic() - began


@pytest.fixture(scope="session")
def s3_client(s3_server: Any) -> Any:
    from divbase.adapters.s3_bucket import client_from

    return client_from(s3_server.endpoint, s3_server.access_key, s3_server.secret_key)
