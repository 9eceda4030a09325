"""Maintenance tasks run by Celery Beat: history retention, stuck tasks, result file expiry, expired auth rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from divbase.adapters.database import encode_json
from divbase.adapters.tables import (
    CeleryTaskMetaRow,
    ProjectRow,
    RevokedTokenRow,
    TaskHistoryRow,
    TaskStartedAtRow,
    utcnow,
)
from divbase.core.dimensions import RESULT_PREFIX
from divbase.service import login_guard

if TYPE_CHECKING:
    from divbase.service.worker_services import WorkerServices


@dataclass(frozen=True)
class CronSpec:
    """One maintenance task: its Celery name, how often Beat sends it, and what it does."""

    name: str
    every_seconds: float
    handler: Callable[[WorkerServices], dict[str, Any]]


def cleanup_old_task_history(services: WorkerServices) -> dict[str, Any]:
    """Delete tasks older than the retention from all three history tables."""
    cutoff = utcnow() - timedelta(days=services.settings.history_retention_days)
    with services.db.session() as s:
        old = list(s.scalars(select(TaskHistoryRow.task_id).where(TaskHistoryRow.created_at < cutoff)))
        for table in (TaskStartedAtRow, CeleryTaskMetaRow, TaskHistoryRow):
            s.execute(delete(table).where(table.task_id.in_(old)))
    return {
        "status": "completed",
        "deleted_tasks": len(old),
        "older_than_days": services.settings.history_retention_days,
    }


def cleanup_stuck_tasks(services: WorkerServices) -> dict[str, Any]:
    """Tasks PENDING or STARTED for longer than the limit are marked FAILURE with the reason."""
    limit = timedelta(hours=services.settings.stuck_task_hours)
    cutoff = utcnow() - limit
    failed = []
    with services.db.session() as s:
        rows = s.execute(
            select(CeleryTaskMetaRow, TaskHistoryRow.id, TaskHistoryRow.created_at)
            .join(TaskHistoryRow, TaskHistoryRow.task_id == CeleryTaskMetaRow.task_id)
            .where(CeleryTaskMetaRow.status.in_(("PENDING", "STARTED")), TaskHistoryRow.created_at < cutoff)
        ).all()
        for meta, number, _created in rows:
            reason = f"Task {number} was {meta.status} for more than {limit}; marked failed by cleanup_stuck_tasks."
            meta.status = "FAILURE"
            meta.result = encode_json({"exc_type": "StuckTaskError", "exc_message": [reason]})
            meta.date_done = utcnow().replace(tzinfo=None)
            failed.append(number)
    for number in failed:
        for workdir in Path(services.settings.worker_cache_dir, "tmp").glob(f"task_{number}_*"):
            shutil.rmtree(workdir, ignore_errors=True)
    return {"status": "completed", "failed_tasks": failed}


def expire_result_files(services: WorkerServices) -> dict[str, Any]:
    """Delete result files of query tasks older than the retention (the history row stays)."""
    cutoff = utcnow() - timedelta(days=services.settings.result_file_days)
    removed = []
    with services.db.session() as s:
        rows = s.execute(
            select(TaskHistoryRow.id, ProjectRow.bucket_name)
            .join(ProjectRow, ProjectRow.id == TaskHistoryRow.project_id)
            .where(TaskHistoryRow.created_at < cutoff)
        ).all()
    for number, bucket_name in rows:
        bucket = services.bucket(bucket_name)
        prefix = f"{RESULT_PREFIX}{number}."
        for obj in bucket.list(prefix):
            bucket.delete(obj.key)
            removed.append(obj.key)
    return {"status": "completed", "deleted_files": removed}


def purge_expired_auth_rows(services: WorkerServices) -> dict[str, Any]:
    """Forget revoked refresh tokens that expired anyway, and failed logins older than the rate-limit window."""
    with services.db.session() as s:
        result = s.execute(delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < utcnow()))
        revoked = int(getattr(result, "rowcount", 0) or 0)
    failures = login_guard.purge(services.db, services.settings)
    return {"status": "completed", "revoked_tokens": revoked, "login_failures": failures}


CRON_TASKS = (
    CronSpec("cron_tasks.cleanup_old_task_history", 24 * 3600, cleanup_old_task_history),
    CronSpec("cron_tasks.cleanup_stuck_tasks", 3600, cleanup_stuck_tasks),
    CronSpec("cron_tasks.expire_result_files", 24 * 3600, expire_result_files),
    CronSpec("cron_tasks.purge_expired_auth_rows", 3600, purge_expired_auth_rows),
)
