"""Server setup functions (divbase.service.admin) and the `divbase admin` CLI, on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from divbase.adapters.database import Database
from divbase.adapters.tables import ProjectRow, UserRow
from divbase.cli.admin import app
from divbase.core.errors import InvalidInput, NotFound, Unavailable
from divbase.service import admin
from divbase.service.admin import Member
from divbase.service.security import verify_password

PASSWORD = "a good long password"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def email() -> str:
    return f"{unique('someone')}@example.org"


def user_row(db: Database, address: str) -> UserRow | None:
    with db.session() as s:
        return s.scalar(select(UserRow).where(UserRow.email == address))


# -- users --------------------------------------------------------------------------------------------


def test_create_user_normalises_email_and_hashes_password(db: Database) -> None:
    address = email()
    user_id = admin.create_user(db, f"  {address.upper()} ", PASSWORD, admin=True)
    row = user_row(db, address)
    assert row is not None and row.id == user_id
    assert row.is_admin and row.is_active
    assert row.name == address.split("@")[0]
    assert row.password_hash and verify_password(PASSWORD, row.password_hash)


@pytest.mark.parametrize("bad", ["", "no-at-sign", "two@@example.org", "sp ace@example.org", "@example.org"])
def test_create_user_refuses_bad_emails(db: Database, bad: str) -> None:
    with pytest.raises(InvalidInput, match="not an email address"):
        admin.create_user(db, bad, PASSWORD)


@pytest.mark.parametrize("bad", ["short", "x" * 101])
def test_create_user_refuses_bad_passwords(db: Database, bad: str) -> None:
    with pytest.raises(InvalidInput, match="10 to 100 characters"):
        admin.create_user(db, email(), bad)


def test_create_user_refuses_duplicates(db: Database) -> None:
    address = email()
    admin.create_user(db, address, PASSWORD)
    with pytest.raises(InvalidInput, match=f"User {address} already exists"):
        admin.create_user(db, address.upper(), PASSWORD)


def test_set_password(db: Database) -> None:
    address = email()
    admin.create_user(db, address, PASSWORD)
    admin.set_password(db, address, "a brand new password")
    row = user_row(db, address)
    assert row is not None and row.password_hash is not None
    assert verify_password("a brand new password", row.password_hash)
    assert not verify_password(PASSWORD, row.password_hash)
    with pytest.raises(NotFound):
        admin.set_password(db, email(), PASSWORD)


def test_set_active(db: Database) -> None:
    address = email()
    admin.create_user(db, address, PASSWORD)
    admin.set_active(db, address, False)
    row = user_row(db, address)
    assert row is not None and not row.is_active


# -- projects and members -----------------------------------------------------------------------------


def test_create_project(db: Database) -> None:
    name = unique("proj")
    project_id = admin.create_project(db, name, f"bucket-{name}")
    with db.session() as s:
        row = s.get(ProjectRow, project_id)
        assert row is not None and (row.name, row.bucket_name) == (name, f"bucket-{name}")
    with pytest.raises(InvalidInput, match="already exists"):
        admin.create_project(db, name, "other-bucket")


@pytest.mark.parametrize("bad", ["ab", "Upper", "under_score", "-dash", "dash-", "x" * 64, "sp ace", "dot.s"])
def test_create_project_refuses_bad_names(db: Database, bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid project name"):
        admin.create_project(db, bad, "bucket")


def test_add_member_and_change_role(db: Database) -> None:
    project, first, second = unique("proj"), email(), email()
    admin.create_project(db, project, "bucket")
    admin.create_user(db, first, PASSWORD, name="First")
    admin.create_user(db, second, PASSWORD, name="Second")
    admin.add_member(db, project, first, "read")
    admin.add_member(db, project, second, "EDIT")
    admin.add_member(db, project, first.upper(), "MANAGE")
    assert admin.list_members(db, project) == [
        Member(email=first, name="First", role="MANAGE"),
        Member(email=second, name="Second", role="EDIT"),
    ]


def test_add_member_errors(db: Database) -> None:
    project, address = unique("proj"), email()
    admin.create_project(db, project, "bucket")
    admin.create_user(db, address, PASSWORD)
    with pytest.raises(InvalidInput, match="Unknown role 'OWNER'"):
        admin.add_member(db, project, address, "OWNER")
    with pytest.raises(NotFound, match="Project 'no-such-project' does not exist"):
        admin.add_member(db, "no-such-project", address, "READ")
    with pytest.raises(NotFound, match="does not exist"):
        admin.add_member(db, project, email(), "READ")
    with pytest.raises(NotFound):
        admin.list_members(db, "no-such-project")
    assert admin.list_members(db, project) == []


# -- the CLI ------------------------------------------------------------------------------------------


@pytest.fixture
def cli(pg_url: str, s3_server: Any) -> Callable[..., Result]:
    env = {
        "DIVBASE_DATABASE_URL": pg_url,
        "DIVBASE_S3_BUCKET_PREFIX": "test-prefix-",
        "DIVBASE_S3_ENDPOINT": s3_server.endpoint,
        "DIVBASE_S3_ACCESS_KEY": s3_server.access_key,
        "DIVBASE_S3_SECRET_KEY": s3_server.secret_key,
    }

    def invoke(_pg_url: str, *args: str, prompt_input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env=env, input=prompt_input)

    return invoke


def test_cli_setup_flow(db: Database, pg_url: str, cli: Callable[..., Result], s3_client: Any) -> None:
    project, address = unique("proj"), email()
    created = cli(pg_url, "create-user", address, "--password", PASSWORD, "--admin")
    assert created.exit_code == 0, created.output
    assert f"Created administrator {address}" in created.output
    made = cli(pg_url, "create-project", project)
    assert made.exit_code == 0, made.output
    assert f"with versioned bucket test-prefix-{project}" in made.output
    versioning = s3_client.get_bucket_versioning(Bucket=f"test-prefix-{project}")
    assert versioning["Status"] == "Enabled"
    added = cli(pg_url, "add-member", project, address, "--role", "edit")
    assert added.exit_code == 0, added.output
    listed = cli(pg_url, "members", project, "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [{"email": address, "name": address.split("@")[0], "role": "EDIT"}]
    table = cli(pg_url, "members", project)
    assert address in table.stdout and "EDIT" in table.stdout


def test_cli_prompts_for_hidden_password(db: Database, pg_url: str, cli: Callable[..., Result]) -> None:
    address = email()
    result = cli(pg_url, "create-user", address, prompt_input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    row = user_row(db, address)
    assert row is not None and row.password_hash and verify_password(PASSWORD, row.password_hash)
    assert not row.is_admin


def test_cli_set_password(db: Database, pg_url: str, cli: Callable[..., Result]) -> None:
    address = email()
    admin.create_user(db, address, PASSWORD)
    result = cli(pg_url, "set-password", address, "--password", "another fine password")
    assert result.exit_code == 0, result.output
    row = user_row(db, address)
    assert row is not None and row.password_hash
    assert verify_password("another fine password", row.password_hash)
    assert row.session_generation == 1  # earlier sessions ended


def test_cli_deactivates_and_reactivates(db: Database, pg_url: str, cli: Callable[..., Result]) -> None:
    address = email()
    admin.create_user(db, address, PASSWORD)
    result = cli(pg_url, "set-active", address, "--inactive")
    assert result.exit_code == 0 and "is now inactive" in result.output
    row = user_row(db, address)
    assert row is not None and not row.is_active
    assert cli(pg_url, "set-active", address, "--active").exit_code == 0
    row = user_row(db, address)
    assert row is not None and row.is_active
    missing = cli(pg_url, "set-active", "nobody-here@example.org", "--inactive")
    assert isinstance(missing.exception, NotFound) and "nobody-here@example.org" in str(missing.exception)


def test_cli_create_project_with_bucket(db: Database, pg_url: str, cli: Callable[..., Result]) -> None:
    project = unique("proj")
    result = cli(pg_url, "create-project", project, "--bucket", "my-own-bucket")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        assert s.scalar(select(ProjectRow.bucket_name).where(ProjectRow.name == project)) == "my-own-bucket"


def test_cli_errors_are_divbase_errors(pg_url: str, cli: Callable[..., Result]) -> None:
    duplicate = email()
    assert cli(pg_url, "create-user", duplicate, "--password", PASSWORD).exit_code == 0
    again = cli(pg_url, "create-user", duplicate, "--password", PASSWORD)
    assert isinstance(again.exception, InvalidInput)
    bad_name = cli(pg_url, "create-project", "Bad_Name")
    assert isinstance(bad_name.exception, InvalidInput)
    missing = cli(pg_url, "members", "no-such-project")
    assert isinstance(missing.exception, NotFound)


def test_cli_reports_unreachable_database() -> None:
    env = {"DIVBASE_DATABASE_URL": "postgresql+psycopg2://postgres:hunter2@127.0.0.1:1/none"}
    result = CliRunner().invoke(app, ["members", "some-project"], env=env)
    assert isinstance(result.exception, Unavailable)
    assert "hunter2" not in str(result.exception)
