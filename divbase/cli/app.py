"""The `divbase` command."""

from __future__ import annotations

import signal
import sys
from typing import Any

import typer

from divbase import __version__
from divbase.cli.output import report_error
from divbase.core.errors import DivbaseError

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    help="Store, index and query VCF files with sample metadata, locally or on a divbase server.",
)


def _version(value: bool) -> None:
    if not value:
        return
    from divbase.adapters.bcftools import Bcftools

    try:
        bcftools = Bcftools().version()
    except DivbaseError as exc:
        bcftools = f"not available ({exc.message})"
    typer.echo(f"divbase {__version__}\n{bcftools}")
    raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Print the divbase and bcftools versions.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or status messages on stderr."),
) -> None:
    """Store, index and query VCF files with sample metadata, locally or on a divbase server."""
    from divbase.cli.output import QUIET

    QUIET["on"] = quiet


def _build() -> typer.Typer:
    from divbase.cli import account, dimensions, files, history, metadata, serve, versions
    from divbase.cli.run import register

    run_app = typer.Typer(no_args_is_help=True, help="Run a task in-process on a local bucket directory.")
    submit_app = typer.Typer(no_args_is_help=True, help="Send a task to the divbase server.")
    register(run_app, submit_app)
    app.add_typer(run_app, name="run")
    app.add_typer(submit_app, name="submit")
    app.add_typer(history.app, name="task-history")
    app.add_typer(history.task_app, name="task")
    app.add_typer(dimensions.app, name="dimensions")
    app.add_typer(files.app, name="files")
    app.add_typer(versions.app, name="version")
    app.command("validate-metadata")(metadata.validate_metadata)
    app.add_typer(account.auth_app, name="auth")
    app.add_typer(account.config_app, name="config")
    app.add_typer(serve.app, name="serve")
    try:
        from divbase.cli import admin
    except ModuleNotFoundError:  # the admin commands need the server extra (pip install divbase[server])
        pass
    else:
        app.add_typer(admin.app, name="admin")
    return app


def _terminated(_signum: int, _frame: object) -> None:
    """SIGTERM (scancel, Snakemake, docker stop) unwinds like Ctrl-C: bcftools stopped, task marked, temp removed."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _terminated)
    as_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        code: Any = _build()(args=argv, standalone_mode=False, prog_name="divbase")
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        code = 130
    except typer.TyperException as exc:  # usage errors (typer >= 0.29 vendors click)
        exc.show()  # type: ignore[attr-defined]
        code = getattr(exc, "exit_code", 2)
    except DivbaseError as exc:
        report_error(exc, as_json)
        code = exc.exit_code
    sys.exit(code if isinstance(code, int) else 0)
