"""The service stack of the server benchmark: a fresh PostgreSQL database, a Redis db, SeaweedFS, migrations,
one worker and the API as subprocesses, and an admin who manages project `bench` (example files uploaded).
Everything is removed at the end."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from common import REPO

sys.path.insert(0, str(REPO))

from divbase.adapters.database import Database
from divbase.adapters.s3_bucket import client_from, create_bucket
from divbase.service import admin
from tests.conftest import fresh_database
from tests.e2e.stack import Stack, free_port
from tests.s3server import SeaweedServer

REDIS_HOST = "redis://127.0.0.1:6379"
EMAIL = "bench@example.org"
PASSWORD = "bench-password-123"
PROJECT = "bench"
DATA = REPO / "examples" / "data"
FILES = {  # every sample of the TSV must be in some VCF, or the metadata query fails
    "sample_metadata.tsv": DATA / "sample_metadata.tsv",
    "chr1.vcf.gz": DATA / "chr1.vcf.gz",
    "batch2/chr1_new_samples.vcf.gz": DATA / "batch2" / "chr1_new_samples.vcf.gz",
}


# -- the stack ---------------------------------------------------------------------------------


@contextmanager
def redis_db() -> Iterator[str]:
    """A Redis db chosen at random, flushed before and after."""
    url = f"{REDIS_HOST}/{secrets.randbelow(15) + 1}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@dataclass
class Service:
    stack: Stack
    db_url: str
    token: str
    s3: Any


@contextmanager
def service(root: Path, concurrency: int) -> Iterator[Service]:
    """The whole stack with an admin user who manages project `bench` (files uploaded)."""
    with ExitStack() as stack_cm:
        db_url = stack_cm.enter_context(fresh_database("divbase_bench"))
        broker = stack_cm.enter_context(redis_db())
        s3 = stack_cm.enter_context(SeaweedServer())
        port = free_port()
        env = {
            **os.environ,
            "DIVBASE_DATABASE_URL": db_url,
            "DIVBASE_BROKER_URL": broker,
            "DIVBASE_S3_ENDPOINT": s3.endpoint,
            "DIVBASE_S3_ACCESS_KEY": s3.access_key,
            "DIVBASE_S3_SECRET_KEY": s3.secret_key,
            "DIVBASE_JWT_SECRET": secrets.token_hex(32),
            "DIVBASE_ACCESS_TOKEN_SECONDS": "7200",
            "DIVBASE_WORKER_CACHE_DIR": str(root / "worker-cache"),
            "PYTHONUNBUFFERED": "1",
        }
        subprocess.run([sys.executable, "-m", "divbase", "serve", "migrate"], env=env, check=True)
        stack = Stack(root, env, f"http://127.0.0.1:{port}")
        stack_cm.callback(stack.stop_all)
        stack.start_worker("worker", concurrency=concurrency)
        stack.start_api()
        client = client_from(s3.endpoint, s3.access_key, s3.secret_key)
        token = _accounts(Database.from_url(db_url), client, stack.api_url)
        yield Service(stack, db_url, token, client)


def _accounts(db: Database, s3: Any, api_url: str) -> str:
    bucket = create_bucket(s3, f"divbase-{PROJECT}")
    for key, path in FILES.items():
        bucket.put_file(path, key)
    admin.create_project(db, PROJECT, f"divbase-{PROJECT}")
    admin.create_user(db, EMAIL, PASSWORD, admin=True)
    admin.add_member(db, PROJECT, EMAIL, "MANAGE")
    db.engine.dispose()
    answer = httpx.post(f"{api_url}/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])
