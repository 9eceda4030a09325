"""Helpers for the API tests: a small app with the auth routes, users, projects and crafted tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Depends, FastAPI

from divbase.adapters.database import Database
from divbase.service import admin
from divbase.service.api import auth_routes, history_routes, token_routes
from divbase.service.api.deps import ProjectAccess, project_access
from divbase.service.api.errors import install_error_handlers
from divbase.service.security import SESSION_MESSAGE, issue_tokens
from divbase.service.settings import ServiceSettings

SETTINGS = ServiceSettings(jwt_secret="api-test-secret-" + "1" * 48)
PASSWORD = "a good long password"


@dataclass
class User:
    id: int
    email: str

    def token(self) -> str:
        return issue_tokens(self.id, SETTINGS).access_token


def build_app(db: Database, settings: ServiceSettings = SETTINGS) -> FastAPI:
    app = FastAPI()
    app.state.db = db
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(auth_routes.router)
    app.include_router(token_routes.router)
    app.include_router(history_routes.router)

    @app.get("/v1/projects/{project}/probe")
    def probe(access: ProjectAccess = Depends(project_access("QUERY"))) -> dict[str, Any]:
        return {"project": access.project.name, "role": access.role, "effective": access.effective_role}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_user(db: Database, *, is_admin: bool = False, active: bool = True) -> User:
    email = f"{unique('user')}@example.org"
    user = User(admin.create_user(db, email, PASSWORD, name="Test User", admin=is_admin), email)
    if not active:
        admin.set_active(db, email, False)
    return user


def make_project(db: Database) -> str:
    name = unique("proj")
    admin.create_project(db, name, f"divbase-{name}")
    return name


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def crafted(user_id: int, *, key: str = SETTINGS.jwt_secret, **overrides: Any) -> str:
    now = int(time.time())
    payload = {"sub": str(user_id), "type": "access", "iat": now, "exp": now + 60, "jti": str(uuid.uuid4()), "gen": 0}
    return jwt.encode({**payload, **overrides}, key, algorithm="HS256")


def assert_401(response: Any, detail: str = SESSION_MESSAGE) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"type": "http_error", "detail": detail, "hint": None}
