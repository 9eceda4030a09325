"""Session fixtures for end-to-end tests: the running stack, accounts, projects and tokens."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from divbase.adapters.database import Database
from divbase.adapters.s3_bucket import S3Bucket, create_bucket
from divbase.service import admin
from tests.conftest import Run, divbase
from tests.e2e.stack import Stack, free_port, service_env

PASSWORD = "correct horse battery"
ROLES = ("READ", "QUERY", "EDIT", "MANAGE")


@dataclass
class World:
    """The running stack plus its accounts: one user per role in project alpha, an outsider in beta."""

    stack: Stack
    db: Database
    s3: Any
    tokens: dict[str, str]

    def bucket(self, project: str) -> S3Bucket:
        return S3Bucket(f"divbase-{project}", self.s3)

    def cli(self, *args: str, user: str = "manage", env: dict[str, str] | None = None) -> Run:
        token = {"DIVBASE_TOKEN": self.tokens[user]} if user else {}
        return divbase(*args, env={**self.stack.env, **token, **(env or {})})

    def api(self, method: str, path: str, user: str | None = "manage", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.request(method, f"{self.stack.api_url}{path}", headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory, pg_url: str, s3_server: Any, s3_client: Any) -> Iterator[World]:
    root = tmp_path_factory.mktemp("stack")
    port = free_port()
    env = service_env(root, pg_url, s3_server, port)
    subprocess.run([sys.executable, "-m", "divbase", "serve", "migrate"], env=env, check=True)
    redis.Redis.from_url(env["DIVBASE_BROKER_URL"]).flushdb()
    stack = Stack(root, env, f"http://127.0.0.1:{port}")
    try:
        stack.start_worker("w1", concurrency=2)
        stack.start_api()
        world = World(stack, Database.from_url(pg_url), s3_client, {})
        _accounts(world)
        yield world
    finally:
        stack.stop_all()


def _accounts(world: World) -> None:
    db = world.db
    for project in ("alpha", "beta"):
        create_bucket(world.s3, f"divbase-{project}")
        admin.create_project(db, project, f"divbase-{project}")
    for role in ROLES:
        admin.create_user(db, f"{role.lower()}@example.org", PASSWORD)
        admin.add_member(db, "alpha", f"{role.lower()}@example.org", role)
    admin.create_user(db, "outsider@example.org", PASSWORD)
    admin.add_member(db, "beta", "outsider@example.org", "MANAGE")
    admin.create_user(db, "admin@example.org", PASSWORD, admin=True)
    for user in [*(r.lower() for r in ROLES), "outsider", "admin"]:
        answer = httpx.post(
            f"{world.stack.api_url}/v1/auth/login",
            json={"email": f"{user}@example.org", "password": PASSWORD},
            timeout=30,
        )
        answer.raise_for_status()
        world.tokens[user] = answer.json()["access_token"]


def upload(world: World, project: str, files: dict[str, Path]) -> None:
    bucket = world.bucket(project)
    for key, path in files.items():
        bucket.put_file(path, key)


def new_project(world: World, name: str, files: dict[str, Path]) -> str:
    """A project with the given files in its bucket; the 'manage' user manages it."""
    create_bucket(world.s3, f"divbase-{name}")
    admin.create_project(world.db, name, f"divbase-{name}")
    admin.add_member(world.db, name, "manage@example.org", "MANAGE")
    upload(world, name, files)
    return name
