"""Sessions (rotation, logout, ending every session), personal access tokens and login rate limiting, on a
real PostgreSQL database through TestClient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from divbase.adapters.database import Database
from divbase.adapters.tables import LoginFailureRow, PersonalAccessTokenRow, RevokedTokenRow
from divbase.service import admin
from divbase.service.api.auth_routes import REUSED
from divbase.service.security import hash_personal_token
from tests.service.authkit import PASSWORD, SETTINGS, User, assert_401, bearer, build_app, make_project, make_user

BAD_PAT = (
    "This personal access token is invalid, expired or revoked. Create a new one with 'divbase auth token create'."
)


def login(client: TestClient, user: User, password: str = PASSWORD) -> Any:
    return client.post("/v1/auth/login", json={"email": user.email, "password": password})


def session(client: TestClient, user: User) -> dict[str, Any]:
    response = login(client, user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, token: str) -> Any:
    return client.post("/v1/auth/refresh", json={"refresh_token": token})


def whoami(client: TestClient, token: str) -> Any:
    return client.get("/v1/auth/whoami", headers=bearer(token))


# -- refresh rotation, logout, ending sessions ---------------------------------------------------------


def test_a_refresh_token_works_once_and_its_reuse_ends_every_session(client: TestClient, db: Database) -> None:
    user = make_user(db)
    first = session(client, user)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    renewed = second.json()
    assert whoami(client, renewed["access_token"]).status_code == 200
    # the rotated-away token is refused, and presenting it ends the renewed session too
    assert_401(refresh(client, first["refresh_token"]), REUSED)
    assert_401(whoami(client, renewed["access_token"]))
    assert_401(refresh(client, renewed["refresh_token"]))
    with db.session() as s:
        reasons = list(s.scalars(select(RevokedTokenRow.reason).where(RevokedTokenRow.user_id == user.id)))
    assert reasons == ["rotated"]
    assert whoami(client, session(client, user)["access_token"]).status_code == 200  # a new login works


def test_logout_revokes_the_refresh_token(client: TestClient, db: Database) -> None:
    user = make_user(db)
    pair = session(client, user)
    response = client.post("/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204 and response.content == b""
    assert_401(refresh(client, pair["refresh_token"]))
    with db.session() as s:
        assert s.scalar(select(RevokedTokenRow.reason).where(RevokedTokenRow.user_id == user.id)) == "logout"
    assert whoami(client, pair["access_token"]).status_code == 200  # a logged-out copy ends nothing else


def test_logout_with_a_bad_token_still_succeeds(client: TestClient) -> None:
    assert client.post("/v1/auth/logout", json={"refresh_token": "garbage"}).status_code == 204


def test_logout_all_ends_every_session(client: TestClient, db: Database) -> None:
    user = make_user(db)
    laptop, cluster = session(client, user), session(client, user)
    assert client.post("/v1/auth/logout-all", headers=bearer(laptop["access_token"])).status_code == 204
    for pair in (laptop, cluster):
        assert_401(whoami(client, pair["access_token"]))
        assert_401(refresh(client, pair["refresh_token"]))


def test_a_new_password_ends_every_session(client: TestClient, db: Database) -> None:
    user = make_user(db)
    pair = session(client, user)
    admin.set_password(db, user.email, "another good password")
    assert_401(whoami(client, pair["access_token"]))
    assert_401(refresh(client, pair["refresh_token"]))


def test_expired_access_and_refresh_tokens_are_refused(db: Database) -> None:
    expired = SETTINGS.model_copy(update={"access_token_seconds": -1, "refresh_token_seconds": -1})
    with TestClient(build_app(db, expired)) as client:
        pair = session(client, make_user(db))
        assert_401(whoami(client, pair["access_token"]))
        assert_401(refresh(client, pair["refresh_token"]))


# -- personal access tokens ----------------------------------------------------------------------------


def create_token(client: TestClient, user: User, **body: Any) -> Any:
    return client.post("/v1/auth/tokens", json={"name": "pipeline", **body}, headers=bearer(user.token()))


def probe(client: TestClient, project: str, token: str) -> Any:
    return client.get(f"/v1/projects/{project}/probe", headers=bearer(token))


def test_a_personal_token_acts_within_its_projects_and_role_cap(client: TestClient, db: Database) -> None:
    user, mine, other = make_user(db), make_project(db), make_project(db)
    admin.add_member(db, mine, user.email, "MANAGE")
    admin.add_member(db, other, user.email, "MANAGE")
    made = create_token(client, user, projects=[mine], role="query")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["token"].startswith("divbase_pat_") and body["projects"] == [mine] and body["role"] == "QUERY"
    allowed = probe(client, mine, body["token"])
    assert allowed.status_code == 200 and allowed.json()["effective"] == "QUERY"
    outside = probe(client, other, body["token"])
    assert outside.status_code == 403
    assert outside.json()["detail"] == f"This personal access token does not cover project '{other}'."
    assert whoami(client, body["token"]).json()["email"] == user.email


def test_a_capped_token_cannot_exceed_its_role(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    admin.add_member(db, project, user.email, "MANAGE")
    token = create_token(client, user, role="READ").json()["token"]
    response = probe(client, project, token)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"This personal access token is capped at READ in project '{project}'; this needs QUERY or higher."
    )


def test_the_owners_role_still_limits_a_token(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    admin.add_member(db, project, user.email, "READ")
    token = create_token(client, user, role="MANAGE").json()["token"]
    response = probe(client, project, token)
    assert response.status_code == 403
    assert response.json()["detail"] == f"Your role in project '{project}' is READ; this needs QUERY or higher."


def test_only_the_hash_of_a_token_is_stored(client: TestClient, db: Database) -> None:
    user = make_user(db)
    token = create_token(client, user).json()["token"]
    with db.session() as s:
        row = s.scalar(select(PersonalAccessTokenRow).where(PersonalAccessTokenRow.user_id == user.id))
        assert row is not None and row.token_hash == hash_personal_token(token)
        assert token not in repr(vars(row))
    listed = client.get("/v1/auth/tokens", headers=bearer(user.token())).json()
    assert [t["name"] for t in listed] == ["pipeline"] and "token" not in listed[0]


def test_revoked_and_expired_tokens_are_refused(client: TestClient, db: Database) -> None:
    user = make_user(db)
    revoked = create_token(client, user, name="old").json()
    expired = create_token(client, user, name="short").json()
    assert whoami(client, revoked["token"]).status_code == 200
    gone = client.delete(f"/v1/auth/tokens/{revoked['id']}", headers=bearer(user.token()))
    assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
    assert_401(whoami(client, revoked["token"]), BAD_PAT)
    with db.session() as s:
        past = datetime.now(UTC) - timedelta(seconds=1)
        s.execute(
            update(PersonalAccessTokenRow).where(PersonalAccessTokenRow.id == expired["id"]).values(expires_at=past)
        )
    assert_401(whoami(client, expired["token"]), BAD_PAT)
    assert_401(whoami(client, "divbase_pat_" + "x" * 43), BAD_PAT)


def test_a_deactivated_users_tokens_stop_working(client: TestClient, db: Database) -> None:
    user = make_user(db)
    token = create_token(client, user).json()["token"]
    admin.set_active(db, user.email, False)
    assert_401(whoami(client, token), BAD_PAT)


def test_tokens_cannot_manage_tokens(client: TestClient, db: Database) -> None:
    user = make_user(db)
    token = create_token(client, user).json()["token"]
    response = client.post("/v1/auth/tokens", json={"name": "child"}, headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["detail"] == "Personal access tokens cannot do this; log in with 'divbase auth login'."
    assert client.post("/v1/auth/logout-all", headers=bearer(token)).status_code == 403


def test_history_needs_the_history_scope(client: TestClient, db: Database) -> None:
    user = make_user(db)
    without = create_token(client, user, name="no-history", task_history=False).json()["token"]
    with_scope = create_token(client, user, name="history").json()["token"]
    refused = client.get("/v1/task-history/tasks/user", headers=bearer(without))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This personal access token does not have the task history scope."
    assert client.get("/v1/task-history/tasks/user", headers=bearer(with_scope)).json() == []


def test_token_limits_names_and_scopes_are_checked(client: TestClient, db: Database) -> None:
    user, project = make_user(db), make_project(db)
    assert create_token(client, user, projects=[project]).status_code == 404  # not a member
    assert create_token(client, user, role="OWNER").status_code == 422
    for n in range(SETTINGS.max_tokens_per_user):
        assert create_token(client, user, name=f"t{n}").status_code == 201
    duplicate = create_token(client, user, name="t0")
    assert duplicate.status_code == 409 and "already have an active token named 't0'" in duplicate.json()["detail"]
    assert create_token(client, user, name="one-too-many").status_code == 409
    other = make_user(db)
    assert client.delete("/v1/auth/tokens/1", headers=bearer(other.token())).status_code == 404


# -- login rate limiting --------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_for_the_window(client: TestClient, db: Database) -> None:
    user, bystander = make_user(db), make_user(db)
    for _ in range(SETTINGS.login_max_failures):
        assert_401(login(client, user, "wrong password"), "Incorrect email or password.")
    locked = login(client, user)  # even the right password waits
    assert locked.status_code == 429
    assert locked.json()["detail"] == "Too many failed logins. Try again in 15 minutes."
    assert 0 < int(locked.headers["Retry-After"]) <= SETTINGS.login_window_seconds
    assert login(client, bystander).status_code == 200
    with db.session() as s:  # the window passes
        s.execute(
            update(LoginFailureRow)
            .where(LoginFailureRow.email == user.email)
            .values(at=datetime.now(UTC) - timedelta(seconds=SETTINGS.login_window_seconds + 1))
        )
    assert login(client, user).status_code == 200


def test_a_successful_login_clears_the_failures(client: TestClient, db: Database) -> None:
    user = make_user(db)
    for _ in range(SETTINGS.login_max_failures - 1):
        login(client, user, "wrong password")
    assert login(client, user).status_code == 200
    assert login(client, user, "wrong password").status_code == 401
    assert login(client, user).status_code == 200


def forget_failures_of(db: Database, client: str) -> None:
    with db.session() as s:
        s.execute(delete(LoginFailureRow).where(LoginFailureRow.client == client))


def test_a_client_guessing_many_accounts_is_locked(db: Database) -> None:
    strict = SETTINGS.model_copy(update={"login_max_client_failures": 3})
    forget_failures_of(db, "testclient")  # other tests' failures share the test client's address
    try:
        with TestClient(build_app(db, strict)) as client:
            for n in range(3):
                response = client.post("/v1/auth/login", json={"email": f"guess{n}@example.org", "password": "x"})
                assert response.status_code == 401
            assert login(client, make_user(db)).status_code == 429
    finally:
        forget_failures_of(db, "testclient")
