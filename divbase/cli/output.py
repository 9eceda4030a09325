"""Printing: results on stdout (one JSON object with --json), messages and errors on stderr."""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import typer

from divbase.core.errors import DivbaseError

BUCKET_DIR_HELP = "Local bucket directory (default: $DIVBASE_BUCKET_DIR, else the current directory)."


def bucket_dir_option() -> Any:
    return typer.Option(
        None,
        "--bucket-dir",
        envvar="DIVBASE_BUCKET_DIR",
        help=BUCKET_DIR_HELP,
        file_okay=False,
        dir_okay=True,
    )


def json_option() -> Any:
    return typer.Option(False, "--json", help="Print one JSON object on stdout.")


def bucket_dir(value: Path | None) -> Path:
    return value if value is not None else Path.cwd()


def emit_json(body: Any) -> None:
    sys.stdout.write(json.dumps(body, indent=2, default=str) + "\n")


QUIET = {"on": False}


def info(message: str) -> None:
    """A progress or status message on stderr (silenced by --quiet; errors never are)."""
    if not QUIET["on"]:
        typer.echo(message, err=True)


def progress(message: str) -> AbstractContextManager[Any]:
    """A spinner on stderr while work runs, only when stderr is a terminal and --quiet is off."""
    if QUIET["on"] or not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def done(message: str, as_json: bool, **fields: Any) -> None:
    """The outcome of a command that changes something: one JSON object with --json, else the message."""
    if as_json:
        emit_json({"status": "ok", "message": message, **fields})
    else:
        typer.echo(message)


def report_error(error: DivbaseError, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "status": "error",
                "error": {
                    "type": type(error).__name__,
                    "message": error.message,
                    "hint": error.hint,
                    "exit_code": error.exit_code,
                },
            }
        )
    typer.secho(f"Error: {error.message}", err=True, fg=typer.colors.RED)
    if error.hint:
        typer.secho(error.hint, err=True, dim=True)
