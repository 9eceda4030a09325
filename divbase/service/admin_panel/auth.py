"""Admin panel login: email and password, active admins only, rate limited like the API login.

The session is starlette's signed cookie and holds only the user id. Every request looks the user up again, so
an admin who is deactivated or loses admin rights is logged out on their next request.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException
from jinja2 import DictLoader
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette_admin.auth import AdminUser, AuthProvider, LoginFailed

from divbase.adapters.database import Database
from divbase.adapters.tables import UserRow
from divbase.service import login_guard
from divbase.service.admin_panel.common import in_thread
from divbase.service.settings import ServiceSettings

BAD_LOGIN = "Incorrect email or password."
REFUSED = "Only active divbase administrators can use this panel."
SESSION_KEY = "user_id"
COOKIE = "divbase_admin_session"
SESSION_SECONDS = 8 * 3600

LOGIN_TEMPLATE = """{% extends "@core/login.html" %}
{% block login_title %}
<h2 class="card-title text-center mb-2">divbase administration</h2>
<p class="text-secondary text-center mb-4">For active divbase administrators only.</p>
{% endblock %}
{% block login_fields %}
<div class="mb-3">
  <label class="form-label" for="username">Email</label>
  <input type="email" id="username" name="username" class="form-control" autocomplete="username" required />
</div>
<div class="mb-3">
  <label class="form-label" for="password">Password</label>
  <input type="password" id="password" name="password" class="form-control"
         autocomplete="current-password" required />
  <span id="toggle-password" hidden></span>
</div>
{% endblock %}
"""


def derived_secret(settings: ServiceSettings, label: str) -> str:
    """A key for one purpose, derived from the service secret (the JWT key itself is never reused as is)."""
    return hmac.new(settings.jwt_secret.encode(), label.encode(), hashlib.sha256).hexdigest()


def session_middleware(settings: ServiceSettings) -> Middleware:
    return Middleware(
        SessionMiddleware,
        secret_key=derived_secret(settings, "divbase admin panel session"),
        session_cookie=COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
    )


def login_templates() -> DictLoader:
    """The login page asks for the email address (starlette-admin's says "Username")."""
    return DictLoader({"login.html": LOGIN_TEMPLATE})


class PanelAuth(AuthProvider):
    """starlette-admin's login form, checked against divbase's users."""

    def __init__(self, settings: ServiceSettings, db: Database) -> None:
        super().__init__()
        self.settings = settings
        self.db = db

    async def login(self, username: str, password: str, remember_me: bool, request: Request) -> Response | None:
        client = request.client.host if request.client is not None else "unknown"
        user_id = await in_thread(self.check, username.strip().lower(), password, client)
        request.session.clear()
        request.session[SESSION_KEY] = user_id
        return None

    def check(self, email: str, password: str, client: str) -> int:
        """The id of the active admin with this email and password; `LoginFailed` with the reason otherwise."""
        try:
            user = login_guard.authenticate(self.db, self.settings, email, password, client)
        except HTTPException as exc:
            raise LoginFailed(str(exc.detail)) from None
        if user is None:
            raise LoginFailed(BAD_LOGIN)
        if not user.is_admin:
            raise LoginFailed(REFUSED)
        return user.id

    async def authenticate(self, request: Request) -> AdminUser | None:
        user_id = request.session.get(SESSION_KEY)
        name = await in_thread(self.active_admin, user_id) if isinstance(user_id, int) else None
        if name is None:
            request.session.clear()
            return None
        return AdminUser(username=name)

    def active_admin(self, user_id: int) -> str | None:
        """The display name of the user if they are (still) an active admin."""
        with self.db.session() as s:
            user = s.get(UserRow, user_id)
            if user is None or not (user.is_admin and user.is_active):
                return None
            return user.name or user.email

    async def logout(self, request: Request) -> Response | None:
        request.session.clear()
        return None
