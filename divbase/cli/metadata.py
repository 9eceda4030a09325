"""`divbase validate-metadata FILE`: check a sidecar TSV before uploading it."""

from __future__ import annotations

from pathlib import Path

import typer

from divbase.cli.output import bucket_dir, emit_json, json_option
from divbase.core.errors import InvalidInput
from divbase.core.metadata import render_report, validate


def validate_metadata(
    path: Path = typer.Argument(..., help="The TSV file to check.", exists=True, dir_okay=False),
    untruncated: bool = typer.Option(False, "--untruncated", help="List every affected cell and sample."),
    directory: Path | None = typer.Option(
        None,
        "--bucket-dir",
        envvar="DIVBASE_BUCKET_DIR",
        help="Compare sample ids with this bucket's dimensions index.",
    ),
    as_json: bool = json_option(),
) -> int:
    """Validate a sample metadata TSV (and its samples against the project's VCFs when indexed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text ({exc}).", "Save it as UTF-8 tab-separated text.") from None
    samples = _project_samples(bucket_dir(directory))
    report = validate(text, samples, preview_limit=None if untruncated else 20)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "errors": [m.message for m in report.errors],
                "warnings": [m.message for m in report.warnings],
            }
        )
    else:
        typer.echo(f"Validating local metadata file: {path}")
        typer.echo(render_report(report))
    return 0 if report.ok else 1


def _project_samples(directory: Path) -> list[str] | None:
    from divbase.local import STATE_DIR, LocalProject

    if not (directory / STATE_DIR / "divbase.sqlite").exists():
        return None
    project = LocalProject(directory)
    dims = project.db.dimensions(project.project_id)
    return dims.all_samples() if dims.files else None
