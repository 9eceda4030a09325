"""`divbase dimensions show`: what the dimensions index holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, json_option
from divbase.cli.remote import Api, Config, use_server

app = typer.Typer(no_args_is_help=True, help="Inspect the VCF dimensions index.")


@app.command("show")
def show(
    directory: Path | None = bucket_dir_option(),
    project: str | None = typer.Option(None, "--project", "-p", help="Project on the server."),
    as_json: bool = json_option(),
    unique_samples: bool = typer.Option(False, "--unique-samples", help="Only the sorted sample names."),
    unique_scaffolds: bool = typer.Option(False, "--unique-scaffolds", help="Only the scaffold names."),
) -> None:
    """Indexed files (samples, scaffolds, variant counts) and skipped files with the reason."""
    body = _remote(project) if project or use_server(directory) else _local(directory)
    if unique_samples or unique_scaffolds:
        field = "samples" if unique_samples else "scaffolds"
        names = sorted({n for f in body["files"] for n in f[field]}, key=str if unique_samples else _scaffold_key)
        emit_json(names) if as_json else typer.echo("\n".join(names))
        return
    if as_json:
        emit_json(body)
        return
    for f in body["files"]:
        typer.echo(
            f"{f['key']}\n  version: {f['version']}\n  samples ({len(f['samples'])}): {', '.join(f['samples'])}\n"
            f"  scaffolds ({len(f['scaffolds'])}): {', '.join(f['scaffolds'])}\n  variants: {f['variant_count']}"
        )
    for s in body["skipped"]:
        typer.echo(f"{s['key']}: skipped ({s['reason']})")
    if not body["files"] and not body["skipped"]:
        typer.echo("The dimensions index is empty. Run 'divbase run dimensions-update'.", err=True)


def _local(directory: Path | None) -> dict[str, Any]:
    from divbase.local import LocalProject

    project = LocalProject(bucket_dir(directory))
    return project.db.dimensions(project.project_id).as_json()


def _remote(project: str | None) -> dict[str, Any]:
    config = Config.load()
    body: dict[str, Any] = Api(config.url).call("GET", f"/v1/projects/{config.project(project)}/dimensions")
    return body


def _scaffold_key(name: str) -> tuple[int, int, str]:
    """All-digit names numerically first, then the rest lexicographically (as upstream)."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)
