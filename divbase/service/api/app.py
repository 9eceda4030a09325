"""FastAPI app factory: routes generated from the task declarations, auth, history, projects."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from divbase import __version__
from divbase.adapters.database import Database
from divbase.service.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None, celery: Any = None) -> FastAPI:
    """Build the API; connections open lazily, so importing or building costs no network."""
    from divbase.service.api import (
        auth_routes,
        file_routes,
        history_routes,
        project_routes,
        task_routes,
        token_routes,
        version_routes,
    )
    from divbase.service.api.errors import install_error_handlers

    settings = settings or ServiceSettings()
    app = FastAPI(
        title="divbase",
        version=__version__,
        description="Store, index and query VCF files with sample metadata.",
    )
    app.state.settings = settings
    app.state.db = Database.from_url(settings.database_url)
    if celery is None:
        from divbase.service.worker import create_celery

        celery = create_celery(settings)
    app.state.celery = celery
    app.state.s3 = _LazyS3(settings, settings.s3_endpoint)
    app.state.s3_presign = _LazyS3(settings, settings.s3_public_endpoint or settings.s3_endpoint)
    install_error_handlers(app)
    app.include_router(auth_routes.router)
    app.include_router(token_routes.router)
    app.include_router(task_routes.router())
    app.include_router(history_routes.router)
    app.include_router(project_routes.router)
    app.include_router(file_routes.router)
    app.include_router(version_routes.router)

    @app.get("/v1/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    from divbase.service.admin_panel import mount_admin

    mount_admin(app, settings, app.state.db)
    return app


class _LazyS3:
    """The boto3 client, created on first use."""

    def __init__(self, settings: ServiceSettings, endpoint: str) -> None:
        self._settings = settings
        self._endpoint = endpoint
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            from divbase.adapters.s3_bucket import client_from

            s = self._settings
            self._client = client_from(self._endpoint, s.s3_access_key, s.s3_secret_key)
        return getattr(self._client, name)
