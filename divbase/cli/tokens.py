"""`divbase auth token create|ls|revoke`: personal access tokens for scripts, Snakemake and containers.

Create one from a login session, keep it in a secret store, and hand it to divbase as `DIVBASE_TOKEN`:
`export DIVBASE_TOKEN=$(divbase auth token create pipeline --project P --role QUERY)`.
"""

from __future__ import annotations

from typing import Any

import typer

from divbase.cli.output import done, emit_json, info, json_option
from divbase.cli.remote import Api
from divbase.core.errors import NotFound

app = typer.Typer(no_args_is_help=True, help="Personal access tokens (for scripts and workflows).")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="A name to recognise the token by."),
    projects: list[str] | None = typer.Option(
        None, "--project", "-p", help="A project the token may use (repeat). Default: all your projects."
    ),
    role: str = typer.Option("QUERY", "--role", help="The strongest role it acts with: READ, QUERY, EDIT, MANAGE."),
    days: int = typer.Option(90, "--expires-days", min=1, max=3650, help="Days until it expires."),
    never: bool = typer.Option(False, "--never-expires", help="No expiry (revoke it when done)."),
    no_history: bool = typer.Option(False, "--no-task-history", help="No access to your task history."),
    description: str = typer.Option("", "--description", help="What the token is for."),
    as_json: bool = json_option(),
) -> None:
    """Create a token and print it once on stdout (nothing else is printed there)."""
    body = {
        "name": name,
        "description": description,
        "projects": projects or None,
        "role": role,
        "task_history": not no_history,
        "expires_days": None if never else days,
    }
    made = Api().call("POST", "/v1/auth/tokens", body=body)
    if as_json:
        emit_json(made)
        return
    typer.echo(made["token"])
    info(f"Token '{name}' created ({_scope(made)}). It is shown only now: store it, then use it as DIVBASE_TOKEN.")


@app.command("ls")
def ls(
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked and expired tokens."),
    as_json: bool = json_option(),
) -> None:
    """Your tokens (never their secrets)."""
    rows = Api().call("GET", "/v1/auth/tokens", params={"include_revoked": include_revoked})
    if as_json:
        emit_json(rows)
        return
    if not rows:
        info("No tokens. Create one with 'divbase auth token create NAME'.")
    for row in rows:
        state = "revoked" if row["revoked_at"] else f"expires {row['expires_at'] or 'never'}"
        typer.echo(f"{row['id']}\t{row['name']}\t{_scope(row)}\t{state}\tlast used {row['last_used_at'] or 'never'}")


@app.command("revoke")
def revoke(
    token: str = typer.Argument(..., help="The token's name or id (see 'divbase auth token ls')."),
    as_json: bool = json_option(),
) -> None:
    """Revoke a token: it stops working at once."""
    api = Api()
    row = api.call("DELETE", f"/v1/auth/tokens/{_token_id(api, token)}")
    done(f"Token '{row['name']}' revoked.", as_json, token=row)


def _scope(row: dict[str, Any]) -> str:
    projects = ", ".join(row["projects"]) if row["projects"] is not None else "all projects"
    history = ", task history" if row["task_history"] else ""
    return f"{projects} up to {row['role']}{history}"


def _token_id(api: Api, token: str) -> int:
    if token.isdigit():
        return int(token)
    for row in api.call("GET", "/v1/auth/tokens"):
        if row["name"] == token:
            return int(row["id"])
    raise NotFound(f"You have no active token named '{token}'.", "List them with 'divbase auth token ls'.")
