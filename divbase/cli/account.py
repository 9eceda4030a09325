"""`divbase auth` and `divbase config`: who you are on which server."""

from __future__ import annotations

import json
import os

import typer

from divbase.cli import tokens
from divbase.cli.output import done, emit_json, info, json_option
from divbase.cli.remote import Api, Config, config_dir, forget_tokens, load_tokens, save_tokens
from divbase.core.errors import DivbaseError, InvalidInput

auth_app = typer.Typer(no_args_is_help=True, help="Log in to a divbase server.")
config_app = typer.Typer(no_args_is_help=True, help="Client settings: server URL and default project.")
auth_app.add_typer(tokens.app, name="token")
KEYS = ("url", "default_project")


@auth_app.command("login")
def login(
    email: str = typer.Argument(..., help="Your account's email."),
    password: str | None = typer.Option(None, "--password", help="Default: prompt (or $DIVBASE_PASSWORD)."),
    url: str | None = typer.Option(None, "--url", help="Server URL (saved as the default)."),
    as_json: bool = json_option(),
) -> None:
    """Log in and keep the tokens in the config dir (file mode 0600)."""
    config = Config.load()
    if url:
        config.values["url"] = url.rstrip("/")
        config.save()
    secret = password or os.environ.get("DIVBASE_PASSWORD") or typer.prompt("Password", hide_input=True)
    tokens = Api(config.url).call("POST", "/v1/auth/login", body={"email": email, "password": secret}, auth=False)
    save_tokens({**tokens, "url": config.url, "email": email})
    done(f"Logged in to {config.url} as {email}.", as_json, url=config.url, email=email)


@auth_app.command("logout")
def logout(
    everywhere: bool = typer.Option(False, "--everywhere", help="End every session of your account, on all devices."),
    as_json: bool = json_option(),
) -> None:
    """Revoke this session on the server and forget the stored tokens (personal access tokens stay valid)."""
    stored = load_tokens()
    try:
        if everywhere:
            Api(stored.get("url")).call("POST", "/v1/auth/logout-all")
        elif stored.get("refresh_token"):
            body = {"refresh_token": stored["refresh_token"]}
            Api(stored.get("url")).call("POST", "/v1/auth/logout", body=body, auth=False)
    except DivbaseError as exc:
        if everywhere:
            raise
        info(f"Warning: the server could not revoke the session ({exc.message}); the local tokens are removed.")
    forget_tokens()
    done("Logged out everywhere." if everywhere else "Logged out.", as_json)


@auth_app.command("whoami")
def whoami(as_json: bool = json_option()) -> None:
    """Your account and your projects on the server."""
    me = Api().call("GET", "/v1/auth/whoami")
    if as_json:
        emit_json(me)
        return
    typer.echo(f"{me['email']}{' (admin)' if me.get('is_admin') else ''} on {Config.load().url}")
    for project in me.get("projects", []):
        typer.echo(f"  {project['name']}: {project['role']}")


@config_app.command("set")
def set_value(
    key: str = typer.Argument(..., help=f"One of: {', '.join(KEYS)}."),
    value: str = typer.Argument(...),
    as_json: bool = json_option(),
) -> None:
    """Set a client setting."""
    if key not in KEYS:
        raise InvalidInput(f"Unknown setting '{key}'.", f"Use one of: {', '.join(KEYS)}.")
    config = Config.load()
    config.values[key] = value.rstrip("/") if key == "url" else value
    config.save()
    done(f"{key} = {config.values[key]}", as_json, key=key, value=config.values[key])


@config_app.command("show")
def show(as_json: bool = json_option()) -> None:
    """Print the settings, where they live, and whether you are logged in."""
    config = Config.load()
    body = {
        **config.values,
        "url": config.url,
        "config_dir": str(config_dir()),
        "logged_in_as": load_tokens().get("email"),
    }
    if as_json:
        emit_json(body)
    else:
        typer.echo(json.dumps(body, indent=2))
