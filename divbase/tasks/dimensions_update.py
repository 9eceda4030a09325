"""Task: index every VCF in the project (samples, scaffolds, variant count), incrementally."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

from divbase.core.bcftools_errors import short_reason
from divbase.core.dimensions import (
    SKIP_DIVBASE_RESULT,
    FileDims,
    Skipped,
    duplicate_samples,
    parse_header,
    plan_update,
)
from divbase.core.errors import TaskError, VcfError
from divbase.core.ports import ObjectInfo, indexed
from divbase.tasks.context import TaskContext
from divbase.tasks.registry import TaskSpec, register


class DimensionsUpdateRequest(BaseModel):
    """No options: the whole project is brought up to date."""


class Refused(BaseModel):
    key: str
    reason: str


class DimensionsUpdateResult(BaseModel):
    indexed: list[str]
    unchanged: int
    deleted: list[str]
    skipped_results: list[str]
    refused: list[Refused]
    status: str = "completed"


def run(ctx: TaskContext, _kw: DimensionsUpdateRequest) -> DimensionsUpdateResult:
    objects = ctx.bucket.list()
    plan = plan_update(objects, ctx.db.dimensions(ctx.project_id))
    if plan.deleted:
        ctx.db.forget(ctx.project_id, list(plan.deleted))
    skipped = [Skipped(obj.key, obj.version, SKIP_DIVBASE_RESULT) for obj in plan.results]
    with ThreadPoolExecutor(max_workers=max(1, ctx.jobs)) as pool:
        outcomes = list(pool.map(lambda obj: _index_one(ctx, obj), plan.to_index))
    files = [outcome for outcome in outcomes if isinstance(outcome, FileDims)]
    failed = [(obj, why) for obj, why in zip(plan.to_index, outcomes, strict=True) if isinstance(why, str)]
    refused = [Refused(key=obj.key, reason=why) for obj, why in failed]
    ctx.db.save_dimensions(ctx.project_id, files, skipped + [Skipped(obj.key, obj.version, why) for obj, why in failed])
    for item in refused:
        ctx.log(f"{item.key}: {item.reason}")
    return DimensionsUpdateResult(
        indexed=[f.key for f in files],
        unchanged=len(plan.unchanged),
        deleted=list(plan.deleted),
        skipped_results=[o.key for o in plan.results],
        refused=refused,
    )


def _index_one(ctx: TaskContext, obj: ObjectInfo) -> FileDims | str:
    """Dimensions of one object from its header and CSI index, or the one-line reason it was refused."""
    if not obj.key.endswith(".gz"):
        return "not bgzip-compressed (compress it with 'bgzip FILE.vcf' and add FILE.vcf.gz instead)"
    try:
        return _dimensions(ctx, obj)
    except TaskError as exc:
        return short_reason(exc)


def _dimensions(ctx: TaskContext, obj: ObjectInfo) -> FileDims:
    path = ctx.bucket.fetch(obj.key, ctx.workdir)
    header = ctx.bcftools.run(["view", "-h", str(path)], operation="reading the header", target=obj.key)
    try:
        samples, contigs = parse_header(header)
    except ValueError:
        raise VcfError(f"{obj.key} has an invalid VCF header: it has no #CHROM line.") from None
    if dups := duplicate_samples(samples):
        raise VcfError(f"{obj.key} contains duplicate sample IDs in the header: {', '.join(dups)}.")
    index = ctx.indexes.ensure(obj, path)
    stats = ctx.bcftools.run(["index", "-s", indexed(path, index)], operation="reading index stats", target=obj.key)
    rows = [line.split("\t") for line in stats.splitlines() if line.strip()]
    return FileDims(
        key=obj.key,
        version=obj.version,
        size=obj.size,
        samples=samples,
        scaffolds=tuple(r[0] for r in rows),
        header_contigs=contigs,
        variant_count=sum(int(r[2]) for r in rows if len(r) > 2 and r[2].isdigit()),
    )


def render(result: DimensionsUpdateResult) -> str:
    lines = [
        f"Indexed {len(result.indexed)} file(s), {result.unchanged} unchanged, "
        f"{len(result.deleted)} dropped (deleted from the bucket)."
    ]
    lines += [f"  indexed: {k}" for k in result.indexed]
    lines += [f"  dropped: {k}" for k in result.deleted]
    lines += [f"  skipped (divbase result): {k}" for k in result.skipped_results]
    lines += [f"{r.key}: {r.reason}" for r in result.refused]
    return "\n".join(lines)


SPEC = register(
    TaskSpec(
        cli_name="dimensions-update",
        celery_name="tasks.update_vcf_dimensions_task",
        summary="Index the project's VCFs (samples, scaffolds, variant count); only new or changed files.",
        request=DimensionsUpdateRequest,
        result=DimensionsUpdateResult,
        handler=run,
        queue="long",
        role="EDIT",
        render=render,
        exit_code=lambda result: 1 if result.refused else 0,
        exclusive=True,
    )
)
