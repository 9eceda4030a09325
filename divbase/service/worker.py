"""Celery app factory: configuration, one Celery task per declaration, signal handlers, Beat schedule."""

from __future__ import annotations

import shutil
from typing import Any

from celery import Celery, signals
from celery.exceptions import Ignore, SoftTimeLimitExceeded
from kombu import Queue  # type: ignore[attr-defined]

from divbase.core.errors import TaskError
from divbase.service.cron import CRON_TASKS, CronSpec
from divbase.service.settings import ServiceSettings
from divbase.service.worker_services import WorkerServices
from divbase.tasks.registry import TaskSpec, tasks

QUEUES = ("quick", "long")


def create_celery(settings: ServiceSettings | None = None) -> Celery:
    """The Celery app used by api (to publish), worker and beat."""
    settings = settings or ServiceSettings()
    app = Celery("divbase")
    app.conf.update(_config(settings))
    services = WorkerServices(settings)
    app.divbase_services = services
    for spec in tasks():
        _register(app, spec, services, settings)
    for cron in CRON_TASKS:
        _register_cron(app, cron, services)
    _connect_signals(services)
    return app


def _config(settings: ServiceSettings) -> dict[str, Any]:
    specs = tasks()
    return {
        "broker_url": settings.broker_url,
        "result_backend": settings.result_backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_extended": True,
        "result_expires": None,  # cron_tasks.cleanup_old_task_history owns retention
        "task_track_started": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": settings.visibility_timeout,
            # Sweep for messages of dead workers every few seconds (kombu's default is ~100 s).
            "unacked_restore_interval": min(10, max(1, settings.visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
        },
        "task_queues": [Queue(name) for name in (*QUEUES, "celery")],  # type: ignore[no-untyped-call]
        "task_default_queue": "celery",
        "task_routes": {
            **{spec.celery_name: {"queue": spec.queue} for spec in specs},
            **{cron.name: {"queue": "celery"} for cron in CRON_TASKS},
        },
        "beat_schedule": {
            c.name: {"task": c.name, "schedule": settings.cron_every_seconds or c.every_seconds} for c in CRON_TASKS
        },
        "timezone": "UTC",
        "worker_hijack_root_logger": False,
    }


def _limits(spec: TaskSpec, settings: ServiceSettings) -> tuple[int, int]:
    if spec.queue == "quick":
        return settings.quick_soft_limit, settings.quick_hard_limit
    return settings.long_soft_limit, settings.long_hard_limit


def _register(app: Celery, spec: TaskSpec, services: WorkerServices, settings: ServiceSettings) -> None:
    soft, hard = _limits(spec, settings)

    @app.task(name=spec.celery_name, bind=True, soft_time_limit=soft, time_limit=hard)  # type: ignore[untyped-decorator]
    def run(self: Any, **kwargs: Any) -> dict[str, Any]:
        done = services.db.stored_result(self.request.id)
        if done is not None and done[0] == "SUCCESS":  # re-delivered after it finished: one result only
            return dict(done[1] or {})
        if done is not None and done[0] == "REVOKED":  # cancelled while queued
            raise Ignore()
        model = spec.kwargs.model_validate(kwargs)
        ctx = services.context(model, self.request.id)
        try:
            return spec.handler(ctx, model).model_dump(mode="json")
        except SoftTimeLimitExceeded:
            if (services.db.stored_result(self.request.id) or ("",))[0] == "REVOKED":
                raise Ignore() from None  # cancelled: keep the REVOKED state the API wrote
            raise TaskError(
                f"Task {ctx.task_number} ran out of time ({soft} s).",
                "Narrow the query (regions, samples) or ask an admin for a longer limit.",
            ) from None
        finally:
            shutil.rmtree(ctx.workdir, ignore_errors=True)


def _register_cron(app: Celery, cron: CronSpec, services: WorkerServices) -> None:
    @app.task(name=cron.name)  # type: ignore[untyped-decorator]
    def run() -> dict[str, Any]:
        return cron.handler(services)


def _connect_signals(services: WorkerServices) -> None:
    def started(task_id: str | None = None, **_: Any) -> None:
        if task_id:
            services.db.record_start(task_id)

    def published(headers: dict[str, Any] | None = None, **_: Any) -> None:
        headers = headers or {}
        if str(headers.get("task", "")).startswith("cron_tasks.") and headers.get("id"):
            services.db.record_cron(str(headers["id"]))

    signals.task_prerun.connect(started, weak=False)
    signals.after_task_publish.connect(published, weak=False)
