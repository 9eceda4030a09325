"""The admin panel at /admin: admins-only login, decoded task history, safe user views.

Real PostgreSQL through TestClient on the real `create_app`; task history rows are written by the same code
that writes them on the service (the API's `create_task`, the worker's `task_prerun` and publish handlers, and
Celery's own database result backend).
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery.app.task import Context
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from divbase.adapters.database import Database
from divbase.adapters.local_bucket import LocalBucket
from divbase.adapters.project_versions import ProjectVersions
from divbase.adapters.tables import (
    CeleryTaskMetaRow,
    LoginFailureRow,
    PersonalAccessTokenRow,
    ProjectRow,
    ProjectVersionRow,
    UserRow,
)
from divbase.service import admin
from divbase.service.admin_panel.auth import BAD_LOGIN, COOKIE, REFUSED
from divbase.service.api.app import create_app
from divbase.service.security import issue_tokens, new_personal_token, verify_password
from divbase.service.settings import ServiceSettings
from divbase.tasks.registry import tasks
from tests.service.panelkit import PASSWORD, list_rows, login, redirected_to_login

CLIENT = ("admin-panel-test", 50000)
CSRF_COOKIE = "starlette_admin_csrftoken"


# -- fixtures and helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(pg_url: str) -> ServiceSettings:
    return ServiceSettings(database_url=pg_url, jwt_secret="admin-panel-test-secret-" + "2" * 40)


@pytest.fixture(scope="module")
def db(pg_url: str) -> Iterator[Database]:
    database = Database.from_url(pg_url)
    database.create_tables()
    yield database
    with database.session() as s:  # leave no failed logins behind for other modules' rate-limit tests
        s.execute(delete(LoginFailureRow).where(LoginFailureRow.client == CLIENT[0]))
    database.engine.dispose()


@pytest.fixture(scope="module")
def app(settings: ServiceSettings, db: Database) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=CLIENT, follow_redirects=False) as test_client:
        yield test_client


def make_user(db: Database, *, is_admin: bool = False, active: bool = True) -> str:
    email = f"user-{uuid.uuid4().hex[:10]}@example.org"
    admin.create_user(db, email, PASSWORD, name="Panel Tester", admin=is_admin)
    if not active:
        admin.set_active(db, email, False)
    return email


def make_project(db: Database) -> tuple[int, str]:
    name = f"proj-{uuid.uuid4().hex[:10]}"
    return admin.create_project(db, name, f"divbase-{name}"), name


@pytest.fixture
def panel(client: TestClient, db: Database) -> TestClient:
    """A client logged in as a fresh admin."""
    response = login(client, make_user(db, is_admin=True))
    assert response.status_code == 303 and response.headers["location"].endswith("/admin/"), response.text
    return client


def post_form(client: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    client.get(path)  # sets the CSRF cookie
    return client.post(path, data={**data, "csrftoken": client.cookies[CSRF_COOKIE]})


# -- who gets in ----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient) -> None:
    for path in ("/admin/", "/admin/users/list", "/admin/task-history/detail?pk=1"):
        assert redirected_to_login(client.get(path)), path
    page = client.get("/admin/login")
    assert page.status_code == 200
    assert '<label class="form-label" for="username">Email</label>' in unescape(page.text)


@pytest.mark.parametrize(("kind", "message"), [("member", REFUSED), ("inactive admin", BAD_LOGIN)])
def test_only_active_admins_get_a_session(client: TestClient, db: Database, kind: str, message: str) -> None:
    # an inactive account cannot log in anywhere, and is told the same as a wrong password (as the API does)
    email = make_user(db) if kind == "member" else make_user(db, is_admin=True, active=False)
    response = login(client, email)
    assert response.status_code == 400
    assert message in unescape(response.text)
    assert COOKIE not in response.headers.get("set-cookie", "")
    assert redirected_to_login(client.get("/admin/"))


def test_wrong_passwords_are_refused_then_rate_limited(client: TestClient, db: Database, settings: Any) -> None:
    email = make_user(db, is_admin=True)
    for _ in range(settings.login_max_failures):
        response = login(client, email, "not the password")
        assert response.status_code == 400 and BAD_LOGIN in unescape(response.text)
    locked = login(client, email)  # even the right password waits
    assert locked.status_code == 400
    assert "Too many failed logins. Try again in 15 minutes." in unescape(locked.text)
    assert redirected_to_login(client.get("/admin/"))


def test_an_admin_logs_in_and_out(client: TestClient, db: Database) -> None:
    assert login(client, make_user(db, is_admin=True)).status_code == 303
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/users/list").status_code == 200
    assert post_form(client, "/admin/logout", {}).status_code == 303
    assert redirected_to_login(client.get("/admin/"))


def test_a_deactivated_admin_is_logged_out_on_the_next_request(client: TestClient, db: Database) -> None:
    email = make_user(db, is_admin=True)
    assert login(client, email).status_code == 303
    assert client.get("/admin/users/list").status_code == 200
    admin.set_active(db, email, False)
    assert redirected_to_login(client.get("/admin/users/list"))
    admin.set_active(db, email, True)  # the session was ended, not just refused once
    assert redirected_to_login(client.get("/admin/users/list"))


# -- task history -------------------------------------------------------------------------------------


def _user_task(app: FastAPI, db: Database) -> tuple[str, int, dict[str, Any], dict[str, Any], str, str]:
    """A dimensions-update as the service runs it: the API records it, the worker starts and finishes it."""
    spec = next(s for s in tasks() if s.cli_name == "dimensions-update")
    email = make_user(db)
    project_id, project = make_project(db)
    with db.session() as s:
        user_id = s.scalars(select(UserRow.id).where(UserRow.email == email)).one()
    kwargs = spec.kwargs(
        project_name=project, project_id=project_id, bucket_name=f"divbase-{project}", user_id=user_id
    ).model_dump(mode="json")
    task_id = str(uuid.uuid4())
    number = db.create_task(task_id, spec.celery_name, kwargs, user_id=user_id, project_id=project_id, queue=spec.queue)
    db.record_start(task_id)  # the worker's task_prerun handler
    result = spec.result.model_validate(
        {"indexed": ["a.vcf.gz"], "unchanged": 2, "deleted": [], "skipped_results": [], "refused": []}
    ).model_dump(mode="json")
    request = Context(
        task=spec.celery_name,
        args=[],
        kwargs=kwargs,
        hostname="celery@worker-1",
        retries=0,
        delivery_info={"routing_key": spec.queue},
    )
    app.state.celery.backend.mark_as_done(task_id, result, request=request)
    return task_id, number, kwargs, result, email, project


def _cron_task(app: FastAPI, db: Database) -> tuple[str, Any]:
    """A cron task as Beat and the worker run it: the publish handler records it, Celery stores its result."""
    celery = app.state.celery
    celery.conf.task_store_eager_result = True
    task_id = str(uuid.uuid4())
    db.record_cron(task_id)  # the after_task_publish handler
    outcome = celery.tasks["cron_tasks.cleanup_stuck_tasks"].apply(task_id=task_id)
    assert outcome.state == "SUCCESS"
    return task_id, outcome.result


def test_task_history_lists_user_and_cron_tasks_decoded(app: FastAPI, panel: TestClient, db: Database) -> None:
    task_id, number, kwargs, result, email, project = _user_task(app, db)
    [row] = list_rows(panel, "task-history", q=task_id)
    assert row["task"] == str(number) and row["kind"] == "user"
    assert row["name"] == "tasks.update_vcf_dimensions_task" and row["status"] == "SUCCESS"
    assert row["user"] == email and row["project"] == project
    assert row["kwargs"] == kwargs and row["result"] == result
    assert row["queue"] == "long" and row["worker"] == "celery@worker-1"

    cron_id, cron_result = _cron_task(app, db)
    [cron] = list_rows(panel, "task-history", q=cron_id)
    assert cron["kind"] == "cron" and cron["name"] == "cron_tasks.cleanup_stuck_tasks"
    assert cron["status"] == "SUCCESS" and cron["task"] is not None
    assert cron["user"] is None and cron["project"] is None
    assert cron["kwargs"] == {} and cron["result"] == cron_result == {"status": "completed", "failed_tasks": []}


def test_task_history_shows_tasks_without_a_history_row_and_undecodable_bytes(panel: TestClient, db: Database) -> None:
    task_id = str(uuid.uuid4())
    with db.session() as s:  # a row from an older deployment that pickled its results
        s.add(
            CeleryTaskMetaRow(
                task_id=task_id, status="SUCCESS", name="tasks.old", result=pickle.dumps({"a": 1}), kwargs=b"\xff\xfe"
            )
        )
    [row] = list_rows(panel, "task-history", q=task_id)
    assert row["task"] is None and row["user"] is None
    assert row["result"].startswith("<not JSON: ") and row["kwargs"] == "<not JSON: 2 bytes that cannot be decoded>"
    with db.session() as s:
        pk = s.scalars(select(CeleryTaskMetaRow.id).where(CeleryTaskMetaRow.task_id == task_id)).one()
    detail = panel.get("/admin/task-history/detail", params={"pk": pk})
    assert detail.status_code == 200 and "not JSON" in unescape(detail.text)


def test_task_history_is_read_only(panel: TestClient) -> None:
    assert panel.get("/admin/task-history/create").status_code == 403
    assert panel.get("/admin/task-history/edit", params={"pk": "1"}).status_code == 403


# -- users ----------------------------------------------------------------------------------------------


def test_the_users_view_never_shows_password_hashes(panel: TestClient, db: Database) -> None:
    email = make_user(db)
    with db.session() as s:
        user = s.scalars(select(UserRow).where(UserRow.email == email)).one()
    assert user.password_hash is not None
    pages = [
        panel.get("/admin/users/list", params={"q": email}),
        panel.get("/admin/users/detail", params={"pk": user.id}),
        panel.get("/admin/users/edit", params={"pk": user.id}),
        panel.get("/admin/users/create"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "password_hash" not in unescape(page.text) and "$argon2" not in unescape(page.text)
    assert email in unescape(pages[0].text) and email in unescape(pages[1].text)


def test_creating_a_user_stores_an_argon2_hash(panel: TestClient, db: Database) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.org"
    form = {"email": email.upper(), "name": "", "password": "short", "is_active": "on"}
    refused = post_form(panel, "/admin/users/create", form)
    assert refused.status_code == 422 and "Passwords must be 10 to 100 characters long." in unescape(refused.text)
    created = post_form(panel, "/admin/users/create", {**form, "password": PASSWORD})
    assert created.status_code == 303, created.text
    with db.session() as s:
        user = s.scalars(select(UserRow).where(UserRow.email == email)).one()
    assert user.password_hash is not None and user.password_hash.startswith("$argon2")
    assert verify_password(PASSWORD, user.password_hash)
    assert user.is_active and not user.is_admin and user.name == email.split("@")[0]
    again = post_form(panel, "/admin/users/create", {**form, "password": PASSWORD})
    assert again.status_code == 422 and f"User {email} already exists." in unescape(again.text)


def test_an_admin_cannot_lock_themselves_out(client: TestClient, db: Database) -> None:
    email = make_user(db, is_admin=True)
    assert login(client, email).status_code == 303
    with db.session() as s:
        pk = s.scalars(select(UserRow.id).where(UserRow.email == email)).one()
    response = post_form(client, f"/admin/users/edit?pk={pk}", {"name": "Me", "is_active": "on"})
    assert response.status_code == 422 and "You cannot remove your own admin rights." in unescape(response.text)
    assert client.get("/admin/").status_code == 200


# -- memberships and tokens ------------------------------------------------------------------------------


def test_memberships_are_created_with_a_known_role_once(panel: TestClient, db: Database) -> None:
    project_id, project = make_project(db)
    email = make_user(db)
    with db.session() as s:
        user_id = s.scalars(select(UserRow.id).where(UserRow.email == email)).one()
    form = {"project_id": str(project_id), "user_id": str(user_id)}
    unknown = post_form(panel, "/admin/memberships/create", {**form, "role": "OWNER"})
    assert unknown.status_code == 422 and "Choose one of READ, QUERY, EDIT, MANAGE." in unescape(unknown.text)
    assert post_form(panel, "/admin/memberships/create", {**form, "role": "QUERY"}).status_code == 303
    assert [(m.email, m.role) for m in admin.list_members(db, project)] == [(email, "QUERY")]
    duplicate = post_form(panel, "/admin/memberships/create", {**form, "role": "EDIT"})
    assert duplicate.status_code == 422 and "Already a member of this project" in unescape(duplicate.text)


def test_personal_access_tokens_show_no_hash_and_can_be_revoked(panel: TestClient, db: Database) -> None:
    email = make_user(db)
    _token, token_hash = new_personal_token()
    with db.session() as s:
        user_id = s.scalars(select(UserRow.id).where(UserRow.email == email)).one()
        row = PersonalAccessTokenRow(user_id=user_id, name="ci", token_hash=token_hash, max_role="READ")
        s.add(row)
        s.flush()
        pk = row.id
    for path in (
        "/admin/access-tokens/list",
        f"/admin/access-tokens/detail?pk={pk}",
        f"/admin/access-tokens/edit?pk={pk}",
    ):
        page = panel.get(path)
        assert page.status_code == 200
        assert token_hash not in page.text and "token_hash" not in page.text
    edited = post_form(panel, f"/admin/access-tokens/edit?pk={pk}", {"revoked_at": "2030-01-02T03:04", "name": "x"})
    assert edited.status_code == 303, edited.text
    with db.session() as s:
        stored = s.get(PersonalAccessTokenRow, pk)
        assert stored is not None and stored.name == "ci"
        assert stored.revoked_at is not None and stored.revoked_at.isoformat() == "2030-01-02T03:04:00+00:00"


# -- projects and versions -------------------------------------------------------------------------------


def test_projects_are_created_with_their_versioned_bucket(
    settings: ServiceSettings, db: Database, s3_server: Any, s3_client: Any
) -> None:
    with_s3 = settings.model_copy(
        update={
            "s3_endpoint": s3_server.endpoint,
            "s3_access_key": s3_server.access_key,
            "s3_secret_key": s3_server.secret_key,
            "s3_bucket_prefix": "panel-",
        }
    )
    with TestClient(create_app(with_s3), client=CLIENT, follow_redirects=False) as client:
        assert login(client, make_user(db, is_admin=True)).status_code == 303
        refused = post_form(client, "/admin/projects/create", {"name": "Has Spaces", "bucket_name": ""})
        assert refused.status_code == 422 and "is not a valid project name" in unescape(refused.text)
        name = f"proj-{uuid.uuid4().hex[:10]}"
        created = post_form(client, "/admin/projects/create", {"name": name, "bucket_name": ""})
        assert created.status_code == 303, created.text
        assert s3_client.get_bucket_versioning(Bucket=f"panel-{name}")["Status"] == "Enabled"
        taken = post_form(client, "/admin/projects/create", {"name": name, "bucket_name": ""})
        assert taken.status_code == 422 and f"Project '{name}' already exists." in unescape(taken.text)
    with db.session() as s:
        assert s.scalars(select(ProjectRow.bucket_name).where(ProjectRow.name == name)).one() == f"panel-{name}"


def test_project_versions_are_renamed_deleted_and_restored(panel: TestClient, db: Database, tmp_path: Path) -> None:
    project_id, _project = make_project(db)
    (tmp_path / "a.vcf.gz").write_bytes(b"not really a vcf")
    versions = ProjectVersions(db, project_id)
    versions.create(LocalBucket(tmp_path), "v1", "first")
    versions.create(LocalBucket(tmp_path), "v2")
    with db.session() as s:
        pk = s.scalars(
            select(ProjectVersionRow.id).where(
                ProjectVersionRow.project_id == project_id, ProjectVersionRow.name == "v2"
            )
        ).one()
    path = f"/admin/project-versions/edit?pk={pk}"
    clash = post_form(panel, path, {"name": "v1", "description": "", "deleted_at": ""})
    assert clash.status_code == 422 and "The project already has a version named 'v1'." in unescape(clash.text)
    bad = post_form(panel, path, {"name": "a/b", "description": "", "deleted_at": ""})
    assert bad.status_code == 422 and "Invalid version name 'a/b'" in unescape(bad.text)
    deleted = post_form(panel, path, {"name": "v2-final", "description": "done", "deleted_at": "2030-01-01T00:00"})
    assert deleted.status_code == 303, deleted.text
    assert [v.name for v in versions.list()] == ["v1"]
    restored = post_form(panel, path, {"name": "v2-final", "description": "done", "deleted_at": ""})
    assert restored.status_code == 303, restored.text
    assert {v.name: v.description for v in versions.list()} == {"v1": "first", "v2-final": "done"}
    assert panel.get("/admin/project-versions/create").status_code == 403


def test_deactivating_a_user_in_the_panel_ends_their_sessions(
    panel: TestClient, db: Database, settings: ServiceSettings
) -> None:
    email = make_user(db)
    with db.session() as s:
        user = s.scalars(select(UserRow).where(UserRow.email == email)).one()
    token = issue_tokens(user.id, settings, user.session_generation).access_token
    whoami = {"Authorization": f"Bearer {token}"}
    assert panel.get("/v1/auth/whoami", headers=whoami).status_code == 200
    path = f"/admin/users/edit?pk={user.id}"
    assert post_form(panel, path, {"name": "Renamed", "is_admin": "", "is_active": ""}).status_code == 303
    assert post_form(panel, path, {"name": "Renamed", "is_active": "on"}).status_code == 303  # reactivated
    with db.session() as s:
        stored = s.get(UserRow, user.id)
        assert stored is not None and stored.name == "Renamed" and stored.is_active and not stored.is_admin
    assert panel.get("/v1/auth/whoami", headers=whoami).status_code == 401
