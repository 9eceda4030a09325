"""`divbase admin`: first-time setup of a divbase server, straight on its database (DIVBASE_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import ModuleType
from typing import TYPE_CHECKING

import typer

from divbase.cli.output import done, emit_json, info, json_option
from divbase.core.errors import Unavailable

if TYPE_CHECKING:
    from divbase.adapters.database import Database
    from divbase.service.settings import ServiceSettings


def _admin() -> ModuleType:
    """The service's admin functions (imported on use: they need the server extra)."""
    from divbase.service import admin

    return admin


def _settings() -> ServiceSettings:
    from divbase.service.settings import ServiceSettings

    return ServiceSettings()


app = typer.Typer(
    no_args_is_help=True,
    help="Set up users, projects and memberships on a divbase server (talks to its database directly).",
)


@contextmanager
def _database() -> Iterator[Database]:
    """The server's database with its tables created; the connections close when the command ends."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from divbase.adapters.database import Database

    url = _settings().database_url
    db = Database.from_url(url)
    try:
        try:
            db.create_tables()
        except OperationalError as exc:
            shown = make_url(url).render_as_string(hide_password=True)
            raise Unavailable(
                f"Cannot reach the divbase database at {shown}.",
                "Check that it is running and that DIVBASE_DATABASE_URL points to it.",
            ) from exc
        yield db
    finally:
        db.engine.dispose()


def _new_password(given: str | None) -> str:
    if given is not None:
        return given
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create-user")
def create_user(
    email: str = typer.Argument(..., help="The user's email address (their login name)."),
    password: str | None = typer.Option(
        None, "--password", help="Password (10-100 characters); prompted for, hidden, when missing."
    ),
    name: str = typer.Option("", "--name", help="Display name (default: the part before '@')."),
    is_admin: bool = typer.Option(False, "--admin", help="Make the user a divbase administrator."),
    as_json: bool = json_option(),
) -> None:
    """Create a user who can log in with 'divbase auth login'."""
    secret = _new_password(password)
    with _database() as db:
        user_id = _admin().create_user(db, email, secret, name=name, admin=is_admin)
    kind = "administrator" if is_admin else "user"
    done(f"Created {kind} {email.strip().lower()} (id {user_id}).", as_json, user_id=user_id)


@app.command("set-password")
def set_password(
    email: str = typer.Argument(..., help="The user's email address."),
    password: str | None = typer.Option(
        None, "--password", help="New password (10-100 characters); prompted for, hidden, when missing."
    ),
    as_json: bool = json_option(),
) -> None:
    """Give an existing user a new password."""
    secret = _new_password(password)
    with _database() as db:
        _admin().set_password(db, email, secret)
    done(f"Password of {email.strip().lower()} changed.", as_json)


@app.command("set-active")
def set_active(
    email: str = typer.Argument(..., help="The user's email address."),
    active: bool = typer.Option(..., "--active/--inactive", help="Let the user in, or lock them out."),
    as_json: bool = json_option(),
) -> None:
    """Deactivate a user (they cannot log in; their sessions and tokens stop working) or reactivate them."""
    with _database() as db:
        _admin().set_active(db, email, active)
    state = "active" if active else "inactive"
    done(f"{email.strip().lower()} is now {state}.", as_json, email=email.strip().lower(), active=active)


@app.command("create-project")
def create_project(
    name: str = typer.Argument(..., help="Project name: 3-63 lowercase letters, digits and '-'."),
    bucket: str | None = typer.Option(
        None, "--bucket", help="S3 bucket of the project (default: DIVBASE_S3_BUCKET_PREFIX + NAME)."
    ),
    as_json: bool = json_option(),
) -> None:
    """Register a project and create its versioned S3 bucket (kept if it already exists)."""
    from divbase.adapters.s3_bucket import client_from, create_bucket

    _admin().check_project_name(name)
    settings = _settings()
    bucket_name = bucket or settings.s3_bucket_prefix + name
    create_bucket(client_from(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key), bucket_name)
    with _database() as db:
        project_id = _admin().create_project(db, name, bucket_name)
    done(
        f"Created project {name} (id {project_id}) with versioned bucket {bucket_name}.",
        as_json,
        project_id=project_id,
        bucket=bucket_name,
    )
    info(f"Add members with 'divbase admin add-member {name} EMAIL --role ROLE'.")


@app.command("add-member")
def add_member(
    project: str = typer.Argument(..., help="Project name."),
    email: str = typer.Argument(..., help="Email address of an existing user."),
    role: str = typer.Option(..., "--role", help="READ, QUERY, EDIT or MANAGE (each includes the ones before)."),
    as_json: bool = json_option(),
) -> None:
    """Add a user to a project, or change the role of a member."""
    with _database() as db:
        _admin().add_member(db, project, email, role)
    done(f"{email.strip().lower()} is now {role.strip().upper()} in project {project}.", as_json)


@app.command("members")
def members(
    project: str = typer.Argument(..., help="Project name."),
    as_json: bool = json_option(),
) -> None:
    """List the members of a project with their roles."""
    with _database() as db:
        rows = _admin().list_members(db, project)
    if as_json:
        emit_json([asdict(m) for m in rows])
        return
    if not rows:
        info(f"Project {project} has no members yet.")
        return
    width = max(len("EMAIL"), *(len(m.email) for m in rows))
    typer.echo(f"{'EMAIL':<{width}}  {'ROLE':<6}  NAME")
    for m in rows:
        typer.echo(f"{m.email:<{width}}  {m.role:<6}  {m.name}")
