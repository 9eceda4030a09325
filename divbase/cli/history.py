"""`divbase task-history`: the same tables and display in local and server mode."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, json_option
from divbase.core.errors import NotFound
from divbase.tasks.history import TaskHistoryResult, typed

app = typer.Typer(no_args_is_help=True, help="Show tasks and their outcomes.")


def _project(directory: Path | None):  # type: ignore[no-untyped-def]
    from divbase.local import LocalProject

    return LocalProject(bucket_dir(directory))


@app.command("user")
def user(
    limit: int = typer.Option(10, "--limit", min=1, help="How many tasks, newest first."),
    directory: Path | None = bucket_dir_option(),
    as_json: bool = json_option(),
) -> None:
    """Your most recent tasks."""
    project = _project(directory)
    rows = [typed(r) for r in project.db.tasks(user_id=project.user_id, limit=limit)]
    show(rows, f"divbase task history in {project.root}", as_json)


@app.command("id")
def by_id(
    task_id: int = typer.Argument(..., help="The task id printed when the task was submitted."),
    directory: Path | None = bucket_dir_option(),
    as_json: bool = json_option(),
) -> None:
    """One task, with its options and result."""
    rows = [typed(r) for r in _project(directory).db.tasks(task_number=task_id, limit=1)]
    if not rows:
        raise NotFound(f"No task with id {task_id}.", "List tasks with 'divbase task-history user'.")
    show(rows, f"divbase task {task_id}", as_json)


def show(rows: list[TaskHistoryResult], title: str, as_json: bool) -> None:
    if as_json:
        emit_json([r.as_json() for r in rows])
        return
    table = Table(title=title, show_lines=True)
    for column in ("Task ID", "Task", "Submitted by", "State", "Created", "Started", "Runtime (s)", "Result"):
        table.add_column(column, overflow="fold")
    for r in rows:
        runtime = "N/A" if r.runtime is None else f"{r.runtime:.2f}"
        table.add_row(
            str(r.id),
            r.name or "",
            r.submitter_email or "",
            r.state,
            r.created_at or "",
            r.started_at or "",
            runtime,
            describe(r),
        )
    Console().print(table)


def describe(row: TaskHistoryResult) -> str:
    result = row.result
    if isinstance(result, dict):
        message = result.get("exc_message") or result.get("error") or result.get("exc_type")
        return str(message) if message else ("" if not result else str(result))
    if result is None:
        return ""
    from divbase.tasks.registry import by_name

    spec = by_name(row.name or "")
    return spec.render(result) if spec else str(result)
