"""The admin panel: starlette-admin at `/admin`, for active divbase administrators only.

Views: users, projects, project memberships, task history (user and cron tasks, decoded), the dimensions
index, project versions, personal access tokens and revoked tokens. See docs/server.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette_admin.contrib.sqla import Admin
from starlette_admin.views import BaseView

from divbase.adapters.database import Database
from divbase.service.admin_panel.accounts import (
    AccessTokenView,
    MembershipView,
    ProjectView,
    RevokedTokenView,
    UserView,
)
from divbase.service.admin_panel.auth import PanelAuth, derived_secret, login_templates, session_middleware
from divbase.service.admin_panel.data import ProjectVersionView, VcfFileView, VcfSkippedView
from divbase.service.admin_panel.tasks import TaskHistoryView
from divbase.service.settings import ServiceSettings

BASE_URL = "/admin"


def views(app: FastAPI, settings: ServiceSettings) -> list[BaseView]:
    return [
        UserView(),
        ProjectView(lambda: app.state.s3, settings.s3_bucket_prefix),
        MembershipView(),
        TaskHistoryView(),
        VcfFileView(),
        VcfSkippedView(),
        ProjectVersionView(),
        AccessTokenView(),
        RevokedTokenView(),
    ]


def mount_admin(app: FastAPI, settings: ServiceSettings, db: Database) -> None:
    """Serve the admin panel at `/admin` on `app`, reading and writing `db`."""
    panel = Admin(
        db.engine,
        title="divbase admin",
        base_url=BASE_URL,
        # starlette-admin looks for template overrides in this directory first: ours has none, and the
        # default ("templates" under the working directory) could pick up unrelated files.
        templates_dir=str(Path(__file__).parent),
        additional_loaders=[login_templates()],
        auth_provider=PanelAuth(settings, db),
        secret_key=derived_secret(settings, "divbase admin panel csrf"),
        middlewares=[session_middleware(settings)],
    )
    for view in views(app, settings):
        panel.add_view(view)
    panel.mount_to(app)
