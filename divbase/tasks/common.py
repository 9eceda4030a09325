"""Steps shared by several tasks."""

from __future__ import annotations

from dataclasses import dataclass

from divbase.core.dimensions import Dimensions, staleness
from divbase.core.errors import DimensionsError, NotFound, TaskError
from divbase.core.metadata import MetadataTable, apply_filter, load_table
from divbase.tasks.context import TaskContext

UPDATE_HINT = "Run 'divbase run dimensions-update' (or 'divbase submit dimensions-update') first."


def fresh_dimensions(ctx: TaskContext) -> Dimensions:
    """The project's dimensions, refusing an empty or out-of-date index."""
    dims = ctx.db.dimensions(ctx.project_id)
    if not dims.files:
        raise DimensionsError(
            f"The VCF dimensions index in project '{ctx.project_name}' is missing or empty.", UPDATE_HINT
        )
    stale = staleness(ctx.bucket.list(), dims)
    if stale.stale:
        raise DimensionsError(
            "The following VCF files or file versions in the project are not part of the project's VCF "
            f"dimensions: {', '.join(stale.new_or_changed)}.",
            UPDATE_HINT.replace("first", "and then submit the query again"),
        )
    return dims


def read_metadata(ctx: TaskContext, name: str, dims: Dimensions | None) -> MetadataTable:
    """Load the sidecar TSV from the bucket, validated against the project's samples when known."""
    try:
        raw = ctx.bucket.read_bytes(name)
    except NotFound:
        raise TaskError(
            f"The sample metadata TSV file '{name}' was not found in your project '{ctx.project_name}'.",
            "Upload it first, or name another file with --metadata-tsv-name.",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaskError(
            f"The sample metadata file '{name}' is not UTF-8 text ({exc}).",
            "Save it as UTF-8 tab-separated text.",
        ) from None
    return load_table(text, name, dims.all_samples() if dims else None)


@dataclass(frozen=True)
class Filtered:
    """Samples chosen by a metadata filter, with every warning the user should see."""

    sample_ids: list[str]
    warnings: list[str]
    query_message: str
    dims: Dimensions


def filter_samples(ctx: TaskContext, tsv_filter: str, name: str) -> Filtered:
    """Run a metadata filter: the TSV is checked first, then the dimensions (as upstream reports them)."""
    try:
        ctx.bucket.head(name)
    except NotFound:
        read_metadata(ctx, name, None)
    dims = fresh_dimensions(ctx)
    table = read_metadata(ctx, name, dims)
    result = apply_filter(table, tsv_filter)
    warnings = list(table.warnings) + result.warnings
    for warning in warnings:
        ctx.log(f"Warning: {warning}")
    return Filtered(result.sample_ids, warnings, result.query_message, dims)
