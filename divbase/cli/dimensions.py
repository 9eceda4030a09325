"""`divbase dimensions show`: what the dimensions index holds."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, json_option

app = typer.Typer(no_args_is_help=True, help="Inspect the VCF dimensions index.")


@app.command("show")
def show(
    directory: Path | None = bucket_dir_option(),
    as_json: bool = json_option(),
    unique_samples: bool = typer.Option(False, "--unique-samples", help="Only the sorted sample names."),
    unique_scaffolds: bool = typer.Option(False, "--unique-scaffolds", help="Only the scaffold names."),
) -> None:
    """Indexed files (samples, scaffolds, variant counts) and skipped files with the reason."""
    from divbase.local import LocalProject

    project = LocalProject(bucket_dir(directory))
    dims = project.db.dimensions(project.project_id)
    if unique_samples or unique_scaffolds:
        names = sorted(
            {s for f in dims.files for s in (f.samples if unique_samples else f.scaffolds)},
            key=(lambda n: n) if unique_samples else _scaffold_key,
        )
        emit_json(names) if as_json else typer.echo("\n".join(names))
        return
    files = [{**asdict(f), "sample_count": len(f.samples)} for f in dims.files]
    skipped = [{"key": s.key, "version": s.version, "reason": s.reason} for s in dims.skipped]
    if as_json:
        emit_json({"files": files, "skipped": skipped})
        return
    for f in dims.files:
        typer.echo(
            f"{f.key}\n  version: {f.version}\n  samples ({len(f.samples)}): {', '.join(f.samples)}\n"
            f"  scaffolds ({len(f.scaffolds)}): {', '.join(f.scaffolds)}\n  variants: {f.variant_count}"
        )
    for s in dims.skipped:
        typer.echo(f"{s.key}: skipped ({s.reason})")
    if not dims.files and not dims.skipped:
        typer.echo("The dimensions index is empty. Run 'divbase run dimensions-update'.", err=True)


def _scaffold_key(name: str) -> tuple[int, int, str]:
    """All-digit names numerically first, then the rest lexicographically (as upstream)."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)
