"""The admin panel on the running service (uvicorn, a Celery worker): a task the worker ran is listed with
its kwargs and result decoded, and a non-admin gets no session."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, World, new_project
from tests.e2e.stack import wait_for
from tests.service.panelkit import list_rows, login, redirected_to_login

pytestmark = pytest.mark.e2e


def panel_login(world: World, email: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=world.stack.api_url, follow_redirects=False, timeout=30)
    return client, login(client, email, PASSWORD)


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
    [row] = [r for r in list_rows(client, "task-history") if r["task"] == str(number)]
    assert row["user"] == "manage@example.org" and row["project"] == project and row["kind"] == "user"
    assert row["name"] == "tasks.update_vcf_dimensions_task" and row["status"] == "SUCCESS"
    assert isinstance(row["kwargs"], dict)  # decoded JSON, not bytes
    assert row["result"]["status"] == "completed" and row["result"]["indexed"] == []


def test_the_panel_refuses_a_member(world: World) -> None:
    client, answer = panel_login(world, "manage@example.org")
    assert answer.status_code == 400 and "Only active divbase administrators" in answer.text
    assert redirected_to_login(client.get("/admin/task-history/list"))
