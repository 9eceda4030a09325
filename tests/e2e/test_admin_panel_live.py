"""The admin panel on the running service (uvicorn, a Celery worker): a task the worker ran is listed with
its kwargs and result decoded, and a non-admin gets no session."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, World, new_project
from tests.e2e.stack import wait_for
from tests.service.test_admin_panel import _ListTable

pytestmark = pytest.mark.e2e


def panel_login(world: World, email: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=world.stack.api_url, follow_redirects=False, timeout=30)
    page = client.get("/admin/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token is not None, page.text
    answer = client.post("/admin/login", data={"username": email, "password": PASSWORD, "csrftoken": token.group(1)})
    return client, answer


def rows(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    page = client.get("/admin/task-history/list", params={"page_size": "100", **params})
    assert page.status_code == 200, page.text
    table = _ListTable()
    table.feed(page.text)
    return table.rows


def test_the_panel_shows_a_task_the_worker_ran(world: World) -> None:
    project = new_project(world, "panel-live", {})
    submitted = world.api("POST", f"/v1/tasks/dimensions-update/projects/{project}", json={})
    assert submitted.status_code == 201, submitted.text
    number = submitted.json()["task_id"]
    wait_for(
        lambda: world.api("GET", f"/v1/task-history/tasks/{number}").json()["status"] in ("SUCCESS", "FAILURE"),
        60,
        "the dimensions update",
    )
    client, answer = panel_login(world, "admin@example.org")
    assert answer.status_code == 303, answer.text
    [row] = [r for r in rows(client) if r["task"] == str(number)]
    assert row["user"] == "manage@example.org" and row["project"] == project and row["kind"] == "user"
    assert row["name"] == "tasks.update_vcf_dimensions_task" and row["status"] == "SUCCESS"
    assert isinstance(row["kwargs"], dict)  # decoded JSON, not bytes
    assert row["result"]["status"] == "completed" and row["result"]["indexed"] == []


def test_the_panel_refuses_a_member(world: World) -> None:
    client, answer = panel_login(world, "manage@example.org")
    assert answer.status_code == 400 and "Only active divbase administrators" in answer.text
    refused = client.get("/admin/task-history/list")
    assert refused.status_code == 303 and "/admin/login" in refused.headers["location"]
