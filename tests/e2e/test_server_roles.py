"""Every route x every kind of caller: the right status, and nothing of one project reachable from another."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from tests.e2e.conftest import World
from tests.e2e.stack import wait_for

pytestmark = pytest.mark.e2e

SECRET = "e2e-secret-key-that-is-long-enough-0123456789"
BAD_COMMAND = {"command": "view -o x.vcf", "all_samples": True}  # passes auth, then refused with 400

# (method, path, body, weakest role that may call it, statuses for a caller with that role)
ROUTES: list[tuple[str, str, dict[str, Any] | None, str, set[int]]] = [
    ("POST", "/v1/tasks/bcftools-pipe/projects/alpha", BAD_COMMAND, "QUERY", {400}),
    ("POST", "/v1/tasks/sample-metadata-query/projects/alpha", {"tsv_filter": "Area North"}, "READ", {400}),
    # queued (201), or refused because the previous caller's update is still queued (409)
    ("POST", "/v1/tasks/dimensions-update/projects/alpha", {}, "EDIT", {201, 409}),
    ("GET", "/v1/task-history/projects/alpha", None, "READ", {200}),
    ("GET", "/v1/projects/alpha/dimensions", None, "READ", {200}),
    ("GET", "/v1/projects/alpha/files/download-url?key=missing.vcf.gz", None, "READ", {404}),
    ("GET", "/v1/projects/alpha/versions", None, "READ", {200}),
    # made (201), or refused as a duplicate of the previous caller's or on an empty project (400)
    ("POST", "/v1/projects/alpha/versions", {"name": "roles-check"}, "QUERY", {201, 400}),
    ("DELETE", "/v1/projects/alpha/versions/no-such-version", None, "EDIT", {404}),
]
ORDER = ("READ", "QUERY", "EDIT", "MANAGE")


def forged(kind: str, user_id: int = 1) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "type": "access", "iat": now, "exp": now + 600, "jti": "x", "gen": 0}
    if kind == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
        return jwt.encode(claims, SECRET, algorithm="HS256")
    if kind == "other-key":
        return jwt.encode(claims, "another-secret-key-that-is-long-enough-0123", algorithm="HS256")
    return jwt.encode(claims, None, algorithm="none")  # alg none


def call(world: World, method: str, path: str, body: Any, token: str | None) -> int:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{world.stack.api_url}{path}", json=body, headers=headers, timeout=60).status_code


@pytest.mark.parametrize(("method", "path", "body", "needed", "ok"), ROUTES, ids=[r[1] for r in ROUTES])
def test_route_by_caller(world: World, method: str, path: str, body: Any, needed: str, ok: set[int]) -> None:
    assert call(world, method, path, body, None) == 401
    for kind in ("expired", "other-key", "alg-none"):
        assert call(world, method, path, body, forged(kind)) == 401, kind
    assert call(world, method, path, body, world.tokens["outsider"]) == 404
    for role in ORDER:
        expected = ok if ORDER.index(role) >= ORDER.index(needed) else {403}
        assert call(world, method, path, body, world.tokens[role.lower()]) in expected, role
    assert call(world, method, path, body, world.tokens["admin"]) in ok


def test_tasks_of_one_project_are_invisible_from_another(world: World) -> None:
    mine = world.api("POST", "/v1/tasks/dimensions-update/projects/alpha", json={}, user="edit")
    assert mine.status_code == 201
    number = mine.json()["task_id"]
    assert world.api("GET", f"/v1/task-history/tasks/{number}", user="outsider").status_code == 404
    assert world.api("GET", f"/v1/task-history/tasks/{number}", user="read").status_code == 200
    outsider_tasks = world.api("GET", "/v1/task-history/tasks/user", user="outsider").json()
    assert all(t["id"] != number for t in outsider_tasks)
    assert world.api("GET", "/v1/task-history/projects/alpha", user="outsider").status_code == 404


def test_cli_exit_codes_for_auth_problems(world: World) -> None:
    expired = world.cli("task-history", "user", user="", env={"DIVBASE_TOKEN": forged("expired")})
    assert expired.code == 3 and "divbase auth login" in expired.stderr
    outsider = world.cli("submit", "dimensions-update", "--project", "alpha", user="outsider")
    assert outsider.code == 4 and "not found or you are not a member" in outsider.stderr
    weak = world.cli("submit", "dimensions-update", "--project", "alpha", user="read")
    assert weak.code == 3 and "needs EDIT" in weak.stderr


def test_login_and_whoami_through_the_cli(world: World) -> None:
    login = world.cli("auth", "login", "query@example.org", "--password", "correct horse battery", user="")
    assert login.code == 0, login.stderr
    me = world.cli("auth", "whoami", "--json", user="")
    assert me.code == 0 and me.json()["email"] == "query@example.org"
    assert {"name": "alpha", "role": "QUERY"} in me.json()["projects"]
    wrong = world.cli("auth", "login", "query@example.org", "--password", "nope nope nope", user="")
    assert wrong.code == 3 and "Incorrect email or password" in wrong.stderr
    assert world.cli("auth", "logout", user="").code == 0
    assert world.cli("auth", "whoami", user="").code == 3


def test_openapi_lists_every_status(world: World) -> None:
    spec = world.api("GET", "/openapi.json", user=None).json()
    for method, path, _body, _needed, _ok in ROUTES:
        template = path.split("?")[0].replace("alpha", "{project}").replace("no-such-version", "{name}")
        operation = spec["paths"][template][method.lower()]
        assert {"401", "403", "404"} <= set(operation["responses"]), path


def test_one_dimensions_update_at_a_time(world: World) -> None:
    project_id = world.db.ensure_project("alpha", "divbase-alpha")
    number = world.db.create_task(
        "blocking-update", "tasks.update_vcf_dimensions_task", {}, user_id=None, project_id=project_id, queue="long"
    )
    refused = world.api("POST", "/v1/tasks/dimensions-update/projects/alpha", json={}, user="edit")
    assert refused.status_code == 409 and f"(task {number})" in refused.json()["detail"]
    world.db.mark_done("blocking-update", "SUCCESS", {})
    name = "tasks.update_vcf_dimensions_task"
    wait_for(lambda: world.db.active_task(project_id, name) is None, 60, "earlier updates to finish")
    accepted = world.api("POST", "/v1/tasks/dimensions-update/projects/alpha", json={}, user="edit")
    assert accepted.status_code == 201
