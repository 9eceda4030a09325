"""Contract-suite fixtures: one real SeaweedFS server per session, a fresh versioned bucket per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from divbase.adapters.s3_bucket import S3Bucket, client_from, create_bucket
from tests.s3server import SeaweedServer, drop_bucket

_TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedServer]:
    """A running `weed mini` on free loopback ports, with authentication on."""
    began = time.monotonic()
    server = SeaweedServer().start()
    _TIMINGS["start"] = time.monotonic() - began
    try:
        yield server
    finally:
        began = time.monotonic()
        server.stop()
        _TIMINGS["stop"] = time.monotonic() - began


@pytest.fixture(scope="session")
def s3_client(s3_server: SeaweedServer) -> Any:
    return client_from(s3_server.endpoint, s3_server.access_key, s3_server.secret_key)


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[S3Bucket]:
    """A new, empty, versioned bucket; emptied and removed after the test."""
    bucket = create_bucket(s3_client, f"divbase-test-{uuid.uuid4().hex[:16]}")
    yield bucket
    drop_bucket(s3_client, bucket.name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _TIMINGS:
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in _TIMINGS.items())
        terminalreporter.write_line(f"SeaweedFS session server: {parts}")
