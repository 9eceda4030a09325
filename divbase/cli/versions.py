"""`divbase version add|ls|info|update|rm|restore`: named checkpoints of a project, locally or on the server.

A version records the current version of every file of the project (query results left out) under a
name; `divbase files download --project-version NAME` later fetches exactly those file versions. The
same commands work on a local bucket directory (`--bucket-dir DIR`, `DIVBASE_BUCKET_DIR`, or a current
directory holding `.divbase/`; the versions live in its SQLite state) and on a server project
(`--project P`, or the configured default project when a server is configured). Deleting a version is a
soft delete that `divbase version restore` undoes.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import typer

from divbase.cli.output import bucket_dir, bucket_dir_option, done, emit_json, info, json_option
from divbase.cli.remote import use_server
from divbase.core.errors import InvalidInput
from divbase.core.filenames import human_size
from divbase.core.project_versions import check_description, check_name, pick

app = typer.Typer(
    no_args_is_help=True,
    help="Named checkpoints of a project: record, list, show, rename, delete and restore them.",
)


class VersionStore(Protocol):
    """Where the versions are: a local bucket's state or a server project. Results are JSON-ready dicts."""

    @property
    def where(self) -> str: ...

    def add(self, name: str, description: str) -> dict[str, Any]: ...

    def ls(self, include_deleted: bool) -> list[dict[str, Any]]: ...

    def info(self, name: str) -> dict[str, Any]: ...

    def update(self, name: str, new_name: str | None, new_description: str | None) -> dict[str, Any]: ...

    def remove(self, name: str) -> dict[str, Any]: ...

    def restore(self, name: str) -> dict[str, Any]: ...


def store(directory: Path | None, project: str | None) -> VersionStore:
    if project or use_server(directory):
        from divbase.cli.versions_server import ServerVersions

        return ServerVersions.connect(project)
    return LocalVersions(bucket_dir(directory))


def _project_option() -> Any:
    return typer.Option(None, "--project", "-p", help="Project on the server (default: the configured one).")


def _name_argument() -> Any:
    return typer.Argument(..., help="The version's name.")


@app.command("add")
def add(
    name: str = _name_argument(),
    description: str = typer.Option("", "--description", "-d", help="What this version is (at most 500 chars)."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Record the current version of every file under NAME (query results are left out)."""
    check_name(name)
    check_description(description)
    versions = store(directory, project)
    row = versions.add(name, description)
    count = row["file_count"]
    message = f"Added version '{name}' of {versions.where} ({count} file{'' if count == 1 else 's'})."
    done(message, as_json, version=row)


@app.command("ls")
def ls(
    include_deleted: bool = typer.Option(False, "--include-deleted", help="Also list soft-deleted versions."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """The project's versions, newest first."""
    versions = store(directory, project)
    rows = versions.ls(include_deleted)
    if as_json:
        emit_json({"versions": rows})
        return
    if not rows:
        info(f"No versions in {versions.where}. Record one with 'divbase version add NAME'.")
        return
    header = ["NAME", "CREATED (UTC)", "FILES", *(["DELETED"] if include_deleted else []), "DESCRIPTION"]
    table = [header] + [_ls_row(row, include_deleted) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        typer.echo("  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[-1]]).rstrip())


def _ls_row(row: dict[str, Any], include_deleted: bool) -> list[str]:
    deleted = ["yes" if row["is_deleted"] else "no"] if include_deleted else []
    description = " ".join(row["description"].split()) or "-"
    return [row["name"], _when(row["created_at"]), str(row["file_count"]), *deleted, description]


@app.command("info")
def show(
    name: str = _name_argument(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """One version: when it was made, by whom, its description and its files (deleted versions too)."""
    check_name(name)
    row = store(directory, project).info(name)
    if as_json:
        emit_json(row)
        return
    typer.echo(f"Version:     {row['name']}")
    by = f" by {row['created_by']}" if row.get("created_by") else ""
    typer.echo(f"Created:     {_when(row['created_at'])} UTC{by}")
    typer.echo(f"Description: {row['description'] or '-'}")
    if row["is_deleted"]:
        typer.echo(
            f"Deleted:     {_when(row['deleted_at'])} UTC (undo with 'divbase version restore {shlex.quote(name)}')"
        )
    files = row["files"]
    typer.echo(f"Files ({len(files)}):")
    width = max((len(key) for key in files), default=0)
    for key, entry in files.items():
        typer.echo(f"  {key:<{width}}  {human_size(entry['size']):>10}  {entry['version_id']}")


@app.command("update")
def update(
    name: str = _name_argument(),
    new_name: str | None = typer.Option(None, "--new-name", "-n", help="Rename the version."),
    new_description: str | None = typer.Option(None, "--new-description", "-d", help="Replace its description."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Rename a version and/or change its description (its files never change)."""
    check_name(name)
    if new_name is None and new_description is None:
        raise InvalidInput(f"Nothing to change for version '{name}'.", "Give --new-name and/or --new-description.")
    if new_name is not None:
        check_name(new_name)
    if new_description is not None:
        check_description(new_description)
    row = store(directory, project).update(name, new_name, new_description)
    changes = [f"renamed to '{row['name']}'"] if new_name not in (None, name) else []
    changes += ["description updated"] if new_description is not None else []
    done(f"Version '{name}': {', '.join(changes) or 'unchanged'}.", as_json, version=row)


@app.command("rm")
def rm(
    name: str = _name_argument(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Soft delete a version: it leaves 'version ls'; 'divbase version restore NAME' brings it back."""
    check_name(name)
    row = store(directory, project).remove(name)
    if row["already_deleted"]:
        message = f"Version '{name}' was already deleted on {_when(row['deleted_at'])} UTC."
    else:
        message = f"Deleted version '{name}' (undo with 'divbase version restore {shlex.quote(name)}')."
    done(message, as_json, version=row)


@app.command("restore")
def restore(
    name: str = _name_argument(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Undo the soft delete of a version."""
    check_name(name)
    row = store(directory, project).restore(name)
    message = f"Restored version '{name}'." if row["restored"] else f"Version '{name}' was not deleted."
    done(message, as_json, version=row)


def pinned(name: str, keys: list[str], directory: Path | None, project: str | None) -> dict[str, str]:
    """`{key: version id}` of `keys` (all files when empty) as recorded in version `name`: what
    `divbase files download --project-version NAME` fetches."""
    check_name(name)
    row = store(directory, project).info(name)
    if row["is_deleted"]:
        info(f"Version '{name}' is deleted; using it anyway (undo with 'divbase version restore {shlex.quote(name)}').")
    return pick(row["files"], keys, name)


def _when(stamp: str | None) -> str:
    """'2024-05-01 12:00:00' from an ISO timestamp in UTC."""
    return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S") if stamp else "-"


class LocalVersions:
    """The versions of a local bucket directory, in its SQLite state (`.divbase/divbase.sqlite`)."""

    def __init__(self, root: Path) -> None:
        from divbase.adapters.project_versions import ProjectVersions
        from divbase.local import LocalProject

        self.project = LocalProject(root)
        self.where = f"bucket {self.project.root}"
        self.versions = ProjectVersions(self.project.db, self.project.project_id)

    def add(self, name: str, description: str) -> dict[str, Any]:
        bucket = self.project.bucket
        made = self.versions.create(
            bucket, name, description, self.project.user_id, keep=lambda entry: bucket.keep(entry.key)
        )
        return made.summary()

    def ls(self, include_deleted: bool) -> list[dict[str, Any]]:
        return [v.summary() for v in self.versions.list(include_deleted)]

    def info(self, name: str) -> dict[str, Any]:
        return self.versions.get(name).details()

    def update(self, name: str, new_name: str | None, new_description: str | None) -> dict[str, Any]:
        return self.versions.update(name, new_name, new_description).summary()

    def remove(self, name: str) -> dict[str, Any]:
        version, already = self.versions.delete(name)
        return {**version.summary(), "already_deleted": already}

    def restore(self, name: str) -> dict[str, Any]:
        version, was_deleted = self.versions.restore(name)
        return {**version.summary(), "restored": was_deleted}
