"""Contract-suite fixtures: one real SeaweedFS server per session, a fresh versioned bucket per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from divbase.adapters.s3_bucket import S3Bucket, create_bucket
from tests.conftest import S3_TIMINGS
from tests.s3server import drop_bucket


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[S3Bucket]:
    """A new, empty, versioned bucket; emptied and removed after the test."""
    bucket = create_bucket(s3_client, f"divbase-test-{uuid.uuid4().hex[:16]}")
    yield bucket
    drop_bucket(s3_client, bucket.name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if S3_TIMINGS:
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in S3_TIMINGS.items())
        terminalreporter.write_line(f"SeaweedFS session server: {parts}")
