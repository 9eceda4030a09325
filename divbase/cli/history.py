"""`divbase task-history`: the same tables and display in local and server mode."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, json_option
from divbase.cli.remote import use_server
from divbase.core.errors import NotFound

if TYPE_CHECKING:
    from divbase.tasks.history import TaskHistoryResult

app = typer.Typer(no_args_is_help=True, help="Show tasks and their outcomes.")


def _project(directory: Path | None):  # type: ignore[no-untyped-def]
    from divbase.local import LocalProject

    return LocalProject(bucket_dir(directory))


def _typed_rows(data: list[dict[str, Any]]) -> list[TaskHistoryResult]:
    from divbase.tasks.history import TaskHistoryResult

    return [TaskHistoryResult.model_validate(row) for row in data]


def _local_rows(directory: Path | None, **query: Any) -> tuple[Any, list[TaskHistoryResult]]:
    from divbase.tasks.history import typed

    project = _project(directory)
    if "user" in query:
        query = {"user_id": project.user_id, "limit": query["limit"]}
    return project, [typed(r) for r in project.db.tasks(**query)]


@app.command("user")
def user(
    limit: int = typer.Option(10, "--limit", min=1, help="How many tasks, newest first."),
    directory: Path | None = bucket_dir_option(),
    as_json: bool = json_option(),
) -> None:
    """Your most recent tasks (local bucket, or the server when one is configured)."""
    if use_server(directory):
        from divbase.cli.remote import Api

        show(
            _typed_rows(Api().call("GET", "/v1/task-history/tasks/user", params={"limit": limit})),
            "Your tasks on the server",
            as_json,
        )
        return
    project, rows = _local_rows(directory, user=True, limit=limit)
    show(rows, f"divbase task history in {project.root}", as_json)


@app.command("project")
def project_history(
    name: str | None = typer.Argument(None, help="Project (default: config default_project)."),
    limit: int = typer.Option(10, "--limit", min=1),
    as_json: bool = json_option(),
) -> None:
    """Every task of a project on the server (needs READ in it)."""
    from divbase.cli.remote import Api, Config

    project = Config.load().project(name)
    rows = Api().call("GET", f"/v1/task-history/projects/{project}", params={"limit": limit})
    show(_typed_rows(rows), f"Tasks of project {project}", as_json)


task_app = typer.Typer(no_args_is_help=True, help="Act on one task.")


@task_app.command("cancel")
def cancel(task_id: int = typer.Argument(..., help="The task to cancel."), as_json: bool = json_option()) -> None:
    """Cancel a queued or running task on the server (yours, or any in a project you manage)."""
    from divbase.cli.remote import Api

    row = _typed_rows([Api().call("POST", f"/v1/task-history/tasks/{task_id}/cancel")])[0]
    if as_json:
        emit_json(row.as_json())
    else:
        typer.echo(f"Task {task_id} cancelled ({row.state}).")


@app.command("id")
def by_id(
    task_id: int = typer.Argument(..., help="The task id printed when the task was submitted."),
    directory: Path | None = bucket_dir_option(),
    as_json: bool = json_option(),
) -> None:
    """One task, with its options and result."""
    if use_server(directory):
        from divbase.cli.remote import Api

        rows = _typed_rows([Api().call("GET", f"/v1/task-history/tasks/{task_id}")])
    else:
        rows = _local_rows(directory, task_number=task_id, limit=1)[1]
    if not rows:
        raise NotFound(f"No task with id {task_id}.", "List tasks with 'divbase task-history user'.")
    if as_json:
        emit_json(rows[0].as_json())
    else:
        show_one(rows[0])


def show(rows: list[TaskHistoryResult], title: str, as_json: bool) -> None:
    """One line per task, newest first; the result is cut to the terminal width."""
    if as_json:
        emit_json([r.as_json() for r in rows])
        return
    typer.echo(title, err=True)
    table = [("ID", "TASK", "STATE", "CREATED", "RUNTIME", "RESULT")]
    for r in rows:
        runtime = "N/A" if r.runtime is None else f"{r.runtime:.2f}s"
        first = describe(r).splitlines()[0] if describe(r) else ""
        table.append((str(r.id), task_label(r), r.state, r.created_at or "", runtime, first))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    room = max(30, shutil.get_terminal_size((140, 24)).columns - sum(widths) - 10)
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        result = row[5] if len(row[5]) <= room else row[5][: room - 1] + "…"
        typer.echo("  ".join([*cells, result]).rstrip())


def show_one(row: TaskHistoryResult) -> None:
    """Every field of one task, with its options and full result."""
    fields = {
        "Task ID": str(row.id),
        "Task": task_label(row),
        "State": row.state,
        "Submitted by": row.submitter_email,
        "Created": row.created_at,
        "Started": row.started_at,
        "Finished": row.completed_at,
        "Runtime (s)": None if row.runtime is None else f"{row.runtime:.2f}",
    }
    for name, value in fields.items():
        typer.echo(f"{name + ':':<14}{value or 'N/A'}")
    options = row.as_json()["kwargs"] or {}
    typer.echo("Options:")
    for name, value in options.items():
        typer.echo(f"  {name}: {value}")
    typer.echo("Result:")
    typer.echo("  " + describe(row).replace("\n", "\n  "))


def task_label(row: TaskHistoryResult) -> str:
    from divbase.tasks.registry import by_name

    spec = by_name(row.name or "")
    return spec.cli_name if spec else (row.name or "")


def describe(row: TaskHistoryResult) -> str:
    """The result as the task renders it, or the error message of a failed task."""
    from pydantic import BaseModel, ValidationError

    from divbase.tasks.registry import by_name

    result, spec = row.result, by_name(row.name or "")
    if result is None:
        return ""
    if row.status == "SUCCESS" and spec is not None:
        try:
            model = result if isinstance(result, BaseModel) else spec.result.model_validate(result)
        except ValidationError:
            return str(result)
        return spec.render(model)
    if isinstance(result, dict):
        message = result.get("exc_message") or result.get("error") or result.get("exc_type")
        if isinstance(message, list):
            message = " ".join(str(m) for m in message)
        return str(message or result)
    return str(result)
