"""Task life on the service: queued, started, done; a worker SIGKILLed mid-task; cron tasks from Beat."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from divbase.adapters.tables import CeleryTaskMetaRow, TaskHistoryRow, TaskStartedAtRow, utcnow
from divbase.service.cron import cleanup_old_task_history, cleanup_stuck_tasks
from divbase.service.settings import ServiceSettings
from divbase.service.worker_services import WorkerServices
from tests.conftest import records
from tests.e2e.conftest import World, new_project
from tests.e2e.stack import wait_for
from tests.fixture_sets import FIRST_10, LAST_10

pytestmark = pytest.mark.e2e

FILES = [FIRST_10, LAST_10]


def task(world: World, number: int) -> dict[str, object]:
    answer = world.api("GET", f"/v1/task-history/tasks/{number}")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def slow_bcftools(tmp_path: Path) -> Path:
    """bcftools that takes 4 s for every `view`: long enough to kill a worker in the middle."""
    script = tmp_path / "slow-bcftools"
    script.write_text('#!/bin/sh\n[ "$1" = view ] && sleep 4\nexec bcftools "$@"\n')
    script.chmod(0o755)
    return script


def test_queued_started_then_killed_worker_task_runs_once(world: World, fixtures: Path, tmp_path: Path) -> None:
    project = new_project(world, "chaos", {f: fixtures / f for f in FILES})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    stack = world.stack
    stack.procs["w1"].stop()  # warm shutdown: nothing consumes the queues now
    try:
        submitted = world.cli(
            "submit", "bcftools-pipe", "--project", project, "--json", "--all-samples", "--command", "view -v snps"
        )
        assert submitted.code == 0, submitted.stderr
        number = int(submitted.json()["task_id"])
        queued = task(world, number)
        assert (queued["state"], queued["started_at"], queued["runtime"]) == ("QUEUED", None, None)
        assert queued["kwargs"]["command"] == "view -v snps"  # type: ignore[index]

        slow = {"DIVBASE_BCFTOOLS": str(slow_bcftools(tmp_path))}
        victim = stack.start_worker("victim", extra_env=slow)
        wait_for(lambda: task(world, number)["state"] == "STARTED", 30, "task start")
        victim.stop(signal.SIGKILL)
        stack.start_worker("rescuer", extra_env=slow)
        wait_for(lambda: task(world, number)["state"] in ("SUCCESS", "FAILURE"), 90, "re-delivered task")
    finally:
        if stack.procs["w1"].popen.poll() is not None:
            stack.start_worker("w1", concurrency=2)
    done = task(world, number)
    assert done["state"] == "SUCCESS", done
    assert done["runtime"] is not None and done["runtime"] > 0
    with world.db.session() as s:
        task_id = s.scalar(select(TaskHistoryRow.task_id).where(TaskHistoryRow.id == number))
        metas = list(s.scalars(select(CeleryTaskMetaRow).where(CeleryTaskMetaRow.task_id == task_id)))
        starts = list(s.scalars(select(TaskStartedAtRow).where(TaskStartedAtRow.task_id == task_id)))
        stuck = s.scalar(select(CeleryTaskMetaRow.id).where(CeleryTaskMetaRow.status == "STARTED"))
    assert [m.status for m in metas] == ["SUCCESS"] and len(starts) == 1 and stuck is None
    assert metas[0].worker is not None and metas[0].worker.startswith("rescuer@")
    keys = [o.key for o in world.bucket(project).list("result_of_job_")]
    assert keys == [f"result_of_job_{number}.{ext}" for ext in ("log", "vcf.gz", "vcf.gz.csi", "vcf.gz.json")]
    versions = world.s3.list_object_versions(Bucket=f"divbase-{project}", Prefix=f"result_of_job_{number}.vcf.gz")
    assert len([v for v in versions.get("Versions", []) if v["Key"].endswith(".vcf.gz")]) == 1
    out = tmp_path / "r.vcf.gz"
    out.write_bytes(world.bucket(project).read_bytes(f"result_of_job_{number}.vcf.gz"))
    assert len([line for line in records(out) if not line.startswith("#")]) == 17


def test_beat_sends_cron_tasks_recorded_without_user_or_project(world: World) -> None:
    beat = world.stack.start(
        "beat",
        ["serve", "beat", "--schedule", str(world.stack.root / "beat-schedule")],
        {"DIVBASE_CRON_EVERY_SECONDS": "1"},
    )
    try:

        def cron_rows() -> list[tuple[int, str | None, str | None]]:
            with world.db.session() as s:
                return list(
                    s.execute(
                        select(TaskHistoryRow.id, TaskHistoryRow.user_id, CeleryTaskMetaRow.status)
                        .join(CeleryTaskMetaRow, CeleryTaskMetaRow.task_id == TaskHistoryRow.task_id)
                        .where(CeleryTaskMetaRow.name.like("cron_tasks.%"), CeleryTaskMetaRow.status == "SUCCESS")
                    ).tuples()
                )

        wait_for(lambda: len(cron_rows()) >= 4, 60, "cron tasks", beat)
    finally:
        beat.stop()
    with world.db.session() as s:
        rows = s.execute(
            select(TaskHistoryRow.user_id, TaskHistoryRow.project_id, CeleryTaskMetaRow.name)
            .join(CeleryTaskMetaRow, CeleryTaskMetaRow.task_id == TaskHistoryRow.task_id)
            .where(CeleryTaskMetaRow.name.like("cron_tasks.%"))
        ).all()
    assert {name for _, _, name in rows} >= {
        "cron_tasks.cleanup_old_task_history",
        "cron_tasks.cleanup_stuck_tasks",
        "cron_tasks.expire_result_files",
        "cron_tasks.purge_expired_auth_rows",
    }
    assert all(user is None and project is None for user, project, _ in rows)
    admin_view = world.api("GET", f"/v1/task-history/tasks/{cron_rows()[0][0]}", user="admin")
    assert admin_view.status_code == 200 and admin_view.json()["name"].startswith("cron_tasks.")


def test_stuck_and_old_tasks_are_cleaned(world: World) -> None:
    settings = ServiceSettings(
        database_url=str(world.db.engine.url.render_as_string(hide_password=False)),
        stuck_task_hours=1,
        history_retention_days=30,
    )
    services = WorkerServices(settings)
    services.db = world.db
    stuck = world.db.create_task("stuck-task", "tasks.bcftools_query", {}, user_id=None, project_id=None, queue="long")
    old = world.db.create_task("old-task", "tasks.bcftools_query", {}, user_id=None, project_id=None, queue="long")
    world.db.record_start("old-task")
    with world.db.session() as s:
        s.execute(
            update(TaskHistoryRow).where(TaskHistoryRow.id == stuck).values(created_at=utcnow() - timedelta(hours=2))
        )
        s.execute(
            update(TaskHistoryRow).where(TaskHistoryRow.id == old).values(created_at=utcnow() - timedelta(days=31))
        )
    result = cleanup_stuck_tasks(services)
    assert stuck in result["failed_tasks"]
    status, error = world.db.stored_result("stuck-task") or ("", None)
    assert status == "FAILURE" and "marked failed by cleanup_stuck_tasks" in error["exc_message"][0]
    assert cleanup_old_task_history(services)["deleted_tasks"] >= 1
    assert world.db.tasks(task_number=old) == []
    assert world.db.stored_result("old-task") is None


def _bcftools_of(number: int) -> list[str]:
    found = subprocess.run(["pgrep", "-af", f"task_{number}_"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "bcftools" in line]


def test_cancel_queued_and_running_tasks(world: World, fixtures: Path, tmp_path: Path) -> None:
    project = new_project(world, "cancelled", {f: fixtures / f for f in FILES})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    project_id = world.db.ensure_project(project, f"divbase-{project}")
    queued = world.db.create_task(
        "never-published", "tasks.bcftools_query", {}, user_id=None, project_id=project_id, queue="long"
    )
    assert world.cli("task", "cancel", str(queued), user="read").code == 4  # READ may not cancel others' tasks
    done = world.cli("task", "cancel", str(queued), "--json")
    assert done.code == 0 and done.json()["state"] == "REVOKED"
    again = world.cli("task", "cancel", str(queued))
    assert again.code == 2 and "already ended (REVOKED)" in again.stderr

    stack = world.stack
    stack.procs["w1"].stop()
    try:
        slow = stack.start_worker("slowpoke", extra_env={"DIVBASE_BCFTOOLS": str(slow_bcftools(tmp_path))})
        submitted = world.cli(
            "submit", "bcftools-pipe", "--project", project, "--json", "--all-samples", "--command", "view -v snps"
        )
        number = int(submitted.json()["task_id"])
        wait_for(lambda: task(world, number)["state"] == "STARTED" and bool(_bcftools_of(number)), 30, "start")
        assert world.cli("task", "cancel", str(number)).code == 0
        wait_for(lambda: not _bcftools_of(number), 20, "bcftools processes to stop")
        time.sleep(2)
        assert task(world, number)["state"] == "REVOKED"
        assert task(world, number)["result"]["exc_type"] == "TaskRevokedError"  # type: ignore[index]
        slow.stop()
    finally:
        if stack.procs["w1"].popen.poll() is not None:
            stack.start_worker("w1", concurrency=2)
