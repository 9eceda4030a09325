"""The auth routes and the access dependencies, on a real PostgreSQL database through TestClient."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from divbase.adapters.database import Database
from divbase.service import admin
from divbase.service.security import issue_tokens
from tests.service.authkit import (
    PASSWORD,
    SETTINGS,
    assert_401,
    bearer,
    crafted,
    make_project,
    make_user,
)

# -- login --------------------------------------------------------------------------------------------


def test_login_returns_a_token_pair(client: TestClient, db: Database) -> None:
    user = make_user(db)
    response = client.post("/v1/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == SETTINGS.access_token_seconds
    me = client.get("/v1/auth/whoami", headers=bearer(body["access_token"]))
    assert me.json()["email"] == user.email


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, db: Database) -> None:
    user = make_user(db)
    wrong = client.post("/v1/auth/login", json={"email": user.email, "password": "not the password"})
    unknown = client.post("/v1/auth/login", json={"email": "nobody@example.org", "password": PASSWORD})
    assert_401(wrong, "Incorrect email or password.")
    assert_401(unknown, "Incorrect email or password.")


def test_inactive_user_cannot_log_in(client: TestClient, db: Database) -> None:
    user = make_user(db, active=False)
    response = client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert_401(response, "Incorrect email or password.")


def test_malformed_login_is_422_with_readable_detail(client: TestClient) -> None:
    response = client.post("/v1/auth/login", json={"email": "x@example.org"})
    assert response.status_code == 422
    assert response.json()["type"] == "validation_error"
    assert "password" in response.json()["detail"]


# -- whoami and token attacks ---------------------------------------------------------------------------


def test_whoami_lists_projects_and_roles(client: TestClient, db: Database) -> None:
    user, first, second = make_user(db), make_project(db), make_project(db)
    admin.add_member(db, first, user.email, "READ")
    admin.add_member(db, second, user.email, "edit")
    response = client.get("/v1/auth/whoami", headers=bearer(user.token()))
    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": user.email,
        "name": "Test User",
        "is_admin": False,
        "projects": sorted(
            [{"name": first, "role": "READ"}, {"name": second, "role": "EDIT"}], key=lambda p: p["name"]
        ),
    }


def test_whoami_without_token(client: TestClient) -> None:
    assert_401(client.get("/v1/auth/whoami"), "You are not logged in. Log in with 'divbase auth login'.")
    basic = client.get("/v1/auth/whoami", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401


def test_whoami_rejects_expired_token(client: TestClient, db: Database) -> None:
    user, now = make_user(db), int(time.time())
    assert_401(client.get("/v1/auth/whoami", headers=bearer(crafted(user.id, iat=now - 100, exp=now - 1))))


def test_whoami_rejects_forged_token(client: TestClient, db: Database) -> None:
    user = make_user(db)
    forged = crafted(user.id, key="some-other-key-of-sufficient-length-" + "x" * 30)
    assert_401(client.get("/v1/auth/whoami", headers=bearer(forged)))


def test_whoami_rejects_alg_none(client: TestClient, db: Database) -> None:
    user, now = make_user(db), int(time.time())
    payload = {"sub": str(user.id), "type": "access", "iat": now, "exp": now + 60, "jti": "x", "gen": 0}
    assert_401(client.get("/v1/auth/whoami", headers=bearer(jwt.encode(payload, None, algorithm="none"))))


def test_refresh_token_is_not_an_access_token(client: TestClient, db: Database) -> None:
    user = make_user(db)
    refresh_token = issue_tokens(user.id, SETTINGS).refresh_token
    assert_401(client.get("/v1/auth/whoami", headers=bearer(refresh_token)))


def test_token_of_missing_or_deactivated_user(client: TestClient, db: Database) -> None:
    assert_401(client.get("/v1/auth/whoami", headers=bearer(crafted(987654321))))
    user = make_user(db)
    token = user.token()
    assert client.get("/v1/auth/whoami", headers=bearer(token)).status_code == 200
    admin.set_active(db, user.email, False)
    assert_401(client.get("/v1/auth/whoami", headers=bearer(token)))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer  abc", "Bearer é", "Bearer " + "x" * 60_000])
def test_odd_authorization_headers_are_401(client: TestClient, header: str) -> None:
    response = client.get("/v1/auth/whoami", headers={"Authorization": header.encode()})
    assert response.status_code == 401


# -- refresh ------------------------------------------------------------------------------------------


def test_refresh_flow(client: TestClient, db: Database) -> None:
    user = make_user(db)
    login = client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD}).json()
    response = client.post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["access_token"] != login["access_token"]
    assert client.get("/v1/auth/whoami", headers=bearer(renewed["access_token"])).status_code == 200


def test_refresh_rejects_access_tokens_and_garbage(client: TestClient, db: Database) -> None:
    user = make_user(db)
    assert_401(client.post("/v1/auth/refresh", json={"refresh_token": user.token()}))
    assert_401(client.post("/v1/auth/refresh", json={"refresh_token": "garbage"}))


def test_refresh_rejects_inactive_user(client: TestClient, db: Database) -> None:
    user = make_user(db)
    refresh_token = issue_tokens(user.id, SETTINGS).refresh_token
    admin.set_active(db, user.email, False)
    assert_401(client.post("/v1/auth/refresh", json={"refresh_token": refresh_token}))


# -- project access matrix -----------------------------------------------------------------------------


def probe(client: TestClient, project: str, token: str | None) -> Any:
    return client.get(f"/v1/projects/{project}/probe", headers=bearer(token) if token else {})


def test_probe_without_token_is_401(client: TestClient, db: Database) -> None:
    assert probe(client, make_project(db), None).status_code == 401
    assert probe(client, "does-not-exist", None).status_code == 401


def test_outsiders_and_unknown_projects_look_the_same(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    outsider, unknown = probe(client, project, user.token()), probe(client, "no-such-project", user.token())
    assert outsider.status_code == unknown.status_code == 404
    assert outsider.json()["detail"] == f"Project '{project}' not found or you are not a member of it."
    assert unknown.json()["detail"] == "Project 'no-such-project' not found or you are not a member of it."


def test_read_member_is_403(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    admin.add_member(db, project, user.email, "READ")
    response = probe(client, project, user.token())
    assert response.status_code == 403
    assert response.json()["detail"] == f"Your role in project '{project}' is READ; this needs QUERY or higher."


@pytest.mark.parametrize("role", ["QUERY", "EDIT", "MANAGE"])
def test_strong_enough_members_pass(client: TestClient, db: Database, role: str) -> None:
    user, project = make_user(db), make_project(db)
    admin.add_member(db, project, user.email, role)
    response = probe(client, project, user.token())
    assert response.status_code == 200
    assert response.json() == {"project": project, "role": role, "effective": role}


def test_admin_acts_as_manage_without_membership(client: TestClient, db: Database) -> None:
    boss, project = make_user(db, is_admin=True), make_project(db)
    response = probe(client, project, boss.token())
    assert response.status_code == 200
    assert response.json() == {"project": project, "role": None, "effective": "MANAGE"}
    assert probe(client, "no-such-project", boss.token()).status_code == 404


def test_inactive_member_is_401(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    admin.add_member(db, project, user.email, "MANAGE")
    token = user.token()
    admin.set_active(db, user.email, False)
    assert_401(probe(client, project, token))


# -- errors and request ids -----------------------------------------------------------------------------


def test_request_id_is_set_and_propagated(client: TestClient) -> None:
    generated = client.get("/v1/auth/whoami").headers["X-Request-ID"]
    assert str(uuid.UUID(generated)) == generated
    given = client.get("/v1/auth/whoami", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    hostile = client.get("/v1/auth/whoami", headers={"X-Request-ID": "a b\tc" + "x" * 300})
    assert hostile.headers["X-Request-ID"] != "a b\tc" + "x" * 300


def test_unhandled_errors_are_500_with_request_id(client: TestClient) -> None:
    response = client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-42"
    assert response.json() == {
        "type": "internal_error",
        "detail": "Internal server error; see the server log (request id req-42).",
        "hint": None,
    }


def test_unknown_route_is_http_error(client: TestClient) -> None:
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["type"] == "http_error"
    assert "X-Request-ID" in response.headers


def test_openapi_lists_auth_errors(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"401", "422"} <= set(paths["/v1/auth/login"]["post"]["responses"])
    assert {"401", "422"} <= set(paths["/v1/auth/refresh"]["post"]["responses"])
    assert "401" in paths["/v1/auth/whoami"]["get"]["responses"]
