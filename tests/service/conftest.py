"""Fixtures of the service tests: a migrated PostgreSQL database per module, and a client of the small auth
app (`authkit.build_app`). Modules that need another app or teardown define their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from divbase.adapters.database import Database
from tests.service.authkit import build_app


@pytest.fixture(scope="module")
def db(pg_url: str) -> Iterator[Database]:
    database = Database.from_url(pg_url)
    database.create_tables()
    yield database
    database.engine.dispose()


@pytest.fixture(scope="module")
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(build_app(db)) as test_client:
        yield test_client
