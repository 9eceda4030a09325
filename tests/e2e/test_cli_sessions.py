"""The CLI against the running service: sessions that end, personal access tokens, and what a refused token
tells the user (exit 3 and how to log in again)."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from divbase.service import admin
from tests.conftest import Run
from tests.e2e.conftest import PASSWORD, World
from tests.e2e.test_server_roles import SECRET, forged

pytestmark = pytest.mark.e2e

LOGIN_AGAIN = "divbase auth login"


class Client:
    """One person's CLI: its own config dir (server URL and stored login)."""

    def __init__(self, world: World, home: Path) -> None:
        self.world, self.home = world, home

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run:
        return self.world.cli(*args, user="", env={"DIVBASE_CONFIG_DIR": str(self.home), **(env or {})})

    def login(self, email: str) -> None:
        done = self("auth", "login", email, "--password", PASSWORD)
        assert done.code == 0, done.stderr

    @property
    def tokens(self) -> dict[str, Any]:
        stored: dict[str, Any] = json.loads((self.home / "tokens.json").read_text())
        return stored

    def store(self, tokens: dict[str, Any]) -> None:
        (self.home / "tokens.json").write_text(json.dumps(tokens))


def expired_access(user_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "type": "access", "iat": now - 7200, "exp": now - 3600, "jti": "x", "gen": 0}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def person(world: World, role: str = "MANAGE", *, is_admin: bool = False) -> tuple[str, int]:
    """A new account (email, id), with `role` in project alpha: these tests end sessions, so none are shared."""
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    user = admin.create_user(world.db, email, PASSWORD, admin=is_admin)
    if not is_admin:
        admin.add_member(world.db, "alpha", email, role)
    return email, user


def refused(run: Run) -> None:
    assert run.code == 3, (run.code, run.stderr)
    assert LOGIN_AGAIN in run.stderr, run.stderr


@pytest.fixture
def client(world: World, tmp_path: Path) -> Client:
    return Client(world, tmp_path / "config")


def test_an_expired_access_token_is_renewed_once_across_parallel_processes(world: World, client: Client) -> None:
    email, uid = person(world, "QUERY")
    client.login(email)
    client.store({**client.tokens, "access_token": expired_access(uid)})
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: client("task-history", "user", "--json"), range(4)))
    assert [r.code for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    assert client("auth", "whoami").code == 0  # the session survived: nobody reused a rotated-away token


def test_a_rotated_away_refresh_token_ends_the_session(world: World, client: Client) -> None:
    email, uid = person(world, "QUERY")
    client.login(email)
    stolen = client.tokens["refresh_token"]
    thief = httpx.post(f"{world.stack.api_url}/v1/auth/refresh", json={"refresh_token": stolen}, timeout=30)
    assert thief.status_code == 200
    client.store({**client.tokens, "access_token": expired_access(uid)})
    reused = client("task-history", "user")
    refused(reused)
    assert "already used, so every session of this account has been ended" in reused.stderr
    assert not (client.home / "tokens.json").exists()
    renewed = thief.json()["access_token"]  # the thief's pair died with the reuse
    assert (
        httpx.get(f"{world.stack.api_url}/v1/auth/whoami", headers={"Authorization": f"Bearer {renewed}"}).status_code
        == 401
    )


def test_logout_revokes_the_session_on_the_server(world: World, client: Client) -> None:
    email, uid = person(world, "READ")
    client.login(email)
    kept = client.tokens
    out = client("auth", "logout")
    assert out.code == 0 and "Logged out." in out.stdout
    client.store({**kept, "access_token": expired_access(uid)})
    refused(client("auth", "whoami"))


def test_logout_everywhere(world: World, client: Client, tmp_path: Path) -> None:
    other = Client(world, tmp_path / "other-laptop")
    email, _ = person(world, "EDIT")
    client.login(email)
    other.login(email)
    assert client("auth", "logout", "--everywhere").code == 0
    refused(other("auth", "whoami"))


@pytest.mark.parametrize("kind", ["expired", "other-key", "alg-none"])
def test_forged_and_expired_tokens_exit_3_with_a_login_hint(world: World, kind: str) -> None:
    refused(world.cli("task-history", "user", user="", env={"DIVBASE_TOKEN": forged(kind)}))


def test_personal_access_tokens_from_the_cli(world: World, client: Client) -> None:
    client.login(person(world, "MANAGE")[0])
    made = client("auth", "token", "create", "snakemake", "--project", "alpha", "--role", "read", "--expires-days", "7")
    assert made.code == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("divbase_pat_") and "\n" not in token and "shown only now" in made.stderr
    as_token = {"DIVBASE_TOKEN": token}
    assert client("files", "ls", "--project", "alpha", env=as_token).code == 0  # READ is enough
    weak = client("submit", "dimensions-update", "--project", "alpha", env=as_token)
    assert weak.code == 3 and "capped at READ" in weak.stderr
    assert client("files", "ls", "--project", "beta", env=as_token).code == 4  # not a member anyway
    listed = client("auth", "token", "ls", "--json")
    assert [t["name"] for t in listed.json()] == ["snakemake"] and token not in listed.stdout
    assert client("auth", "token", "revoke", "snakemake").code == 0
    gone = client("files", "ls", "--project", "alpha", env=as_token)
    assert gone.code == 3 and "DIVBASE_TOKEN" in gone.stderr and LOGIN_AGAIN in gone.stderr


def test_an_out_of_scope_token_is_403(world: World, client: Client) -> None:
    admin_client = client
    admin_client.login(person(world, is_admin=True)[0])
    made = admin_client("auth", "token", "create", "scoped", "--project", "beta", "--json")
    assert made.code == 0, made.stderr
    outside = admin_client("files", "ls", "--project", "alpha", env={"DIVBASE_TOKEN": made.json()["token"]})
    assert outside.code == 3 and "does not cover project 'alpha'" in outside.stderr
    assert "token create" in outside.stderr and "unset DIVBASE_TOKEN" in outside.stderr


def test_repeated_wrong_passwords_are_rate_limited(world: World, client: Client) -> None:
    email, _ = person(world, "READ")
    for _ in range(5):
        wrong = client("auth", "login", email, "--password", "wrong wrong wrong")
        assert wrong.code == 3 and "Incorrect email or password" in wrong.stderr
    locked = client("auth", "login", email, "--password", PASSWORD)
    assert locked.code == 3 and "Too many failed logins" in locked.stderr
