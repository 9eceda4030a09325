"""Task: subset samples and records of the project's VCFs with `bcftools view`, combined into one VCF."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from divbase import __version__
from divbase.core.command import parse_command
from divbase.core.dimensions import RESULT_PREFIX
from divbase.core.errors import InvalidInput, TaskError
from divbase.core.metadata import parse_filter
from divbase.core.plan import Part, PlanInput, all_parts, build, copy_candidates, parts_for_samples, unknown_samples
from divbase.core.regions import prune_by_region
from divbase.tasks.common import filter_samples, fresh_dimensions
from divbase.tasks.context import TaskContext
from divbase.tasks.registry import CliExtra, TaskSpec, register
from divbase.tasks.samples_file import read_samples_file

MODES = "--tsv-filter, --samples, --samples-file or --all-samples"


class BcftoolsPipeRequest(BaseModel):
    command: str = Field(description="bcftools view command(s), ';'-separated, e.g. 'view -s -r 21:1-5000000'.")
    tsv_filter: str | None = Field(None, description="Select samples with a metadata filter, e.g. 'Area:North;Sex:F'.")
    metadata_tsv_name: str = Field("sample_metadata.tsv", description="Sidecar metadata TSV used by --tsv-filter.")
    samples: list[str] | None = Field(None, description="Select these samples (comma-separated).")
    all_samples: bool = Field(False, description="Keep every sample of every file.")

    @field_validator("samples", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            value = list(dict.fromkeys(s.strip() for s in value if isinstance(s, str) and s.strip()))
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> BcftoolsPipeRequest:
        chosen = [self.tsv_filter is not None, self.samples is not None, self.all_samples]
        if sum(chosen) > 1:
            raise ValueError(f"Use only one of {MODES}.")
        if not any(chosen):
            raise ValueError(f"Sample selection is required: use one of {MODES}.")
        if self.samples is not None and not self.samples:
            raise ValueError("--samples holds no sample id. Give a comma-separated list, e.g. --samples S1,S2.")
        return self


class BcftoolsPipeResult(BaseModel):
    output_file: str
    index_file: str
    log_file: str
    provenance_file: str
    samples: list[str]
    files: list[str]
    records: int = Field(0, description="Variant records in the result.")
    warnings: list[str] = Field(default_factory=list)
    status: str = "completed"


def precheck(request: BcftoolsPipeRequest) -> None:
    parse_command(request.command, all_samples=request.all_samples)
    if request.tsv_filter is not None:
        parse_filter(request.tsv_filter)


def run(ctx: TaskContext, kw: BcftoolsPipeRequest) -> BcftoolsPipeResult:
    log_key = f"{RESULT_PREFIX}{ctx.task_number}.log"
    try:
        result = _query(ctx, kw)
    except Exception as exc:
        ctx.log(f"An error of type '{type(exc).__name__}' occurred running your task, error message was:\n {exc}")
        _put_log(ctx, kw, log_key, "FAILURE")
        raise
    _put_log(ctx, kw, log_key, "SUCCESS")
    return result


def _query(ctx: TaskContext, kw: BcftoolsPipeRequest) -> BcftoolsPipeResult:
    began = time.monotonic()
    command = parse_command(kw.command, all_samples=kw.all_samples)
    parts, warnings = prune_by_region(_select(ctx, kw), command)
    objects = {o.key: o for o in ctx.bucket.list()}
    paths = {p.file.key: ctx.bucket.fetch(p.file.key, ctx.workdir) for p in parts}
    sample_counts = {p.file.key: len(p.file.samples) for p in parts}
    copyable = [
        key
        for key in copy_candidates(parts, command)
        if ctx.indexes.rows_ok(objects[key], paths[key], sample_counts[key])
    ]
    plan = build(parts, command, ctx.jobs, copyable)
    ctx.log(f"Files: {', '.join(p.file.key for p in plan.parts)}")
    ctx.log(f"Plan: {len(plan.units)} unit(s), then {len(plan.combine)} combine step(s)")
    inputs = [
        PlanInput(paths[p.file.key], ctx.indexes.ensure(objects[p.file.key], paths[p.file.key])) for p in plan.parts
    ]
    local = ctx.workdir / "result.vcf.gz"
    records = ctx.executor.run(plan, inputs, local, ctx.log)
    if records == 0:
        warnings.append("The result holds no records: no variant of the selected files passed the query.")
    for warning in warnings:
        ctx.log(f"Warning: {warning}")
    key = f"{RESULT_PREFIX}{ctx.task_number}.vcf.gz"
    ctx.bucket.put_file(local, key)
    ctx.bucket.put_file(Path(f"{local}.csi"), f"{key}.csi")
    samples = list(plan.samples)
    provenance = _provenance(ctx, kw, plan.parts, objects, samples)
    provenance["records"] = records
    provenance["timing"] = _timing(ctx, began)
    ctx.log("Timing: " + ", ".join(f"{k} {v:.3f} s" for k, v in provenance["timing"].items()))
    ctx.bucket.put_bytes(json.dumps(provenance, indent=2).encode(), f"{key}.json")
    return BcftoolsPipeResult(
        output_file=key,
        index_file=f"{key}.csi",
        log_file=f"{RESULT_PREFIX}{ctx.task_number}.log",
        provenance_file=f"{key}.json",
        samples=samples,
        files=[p.file.key for p in plan.parts],
        records=records,
        warnings=warnings,
    )


def _timing(ctx: TaskContext, began: float) -> dict[str, float]:
    """Task wall time, time with a bcftools process running, and divbase's own overhead (the rest)."""
    wall = time.monotonic() - began
    busy = ctx.bcftools.busy_seconds(since=began)
    return {"task": round(wall, 4), "bcftools": round(busy, 4), "overhead": round(wall - busy, 4)}


def _select(ctx: TaskContext, kw: BcftoolsPipeRequest) -> list[Part]:
    if kw.tsv_filter is not None:
        found = filter_samples(ctx, kw.tsv_filter, kw.metadata_tsv_name)
        if not found.sample_ids:
            raise TaskError(
                f"No samples match the metadata filter '{kw.tsv_filter}' ({found.query_message}).",
                "Check the filter with 'divbase run sample-metadata-query'.",
            )
        return parts_for_samples(found.dims.files, found.sample_ids)
    dims = fresh_dimensions(ctx)
    if kw.samples is not None:
        if missing := unknown_samples(dims.files, kw.samples):
            raise TaskError(
                f"The following sample IDs were not found in the project's dimensions index: {', '.join(missing)}.",
                "List samples with 'divbase dimensions show --unique-samples'.",
            )
        return parts_for_samples(dims.files, kw.samples)
    return all_parts(dims.files)


def _provenance(
    ctx: TaskContext,
    kw: BcftoolsPipeRequest,
    parts: tuple[Part, ...],
    objects: dict[str, Any],
    samples: list[str],
) -> dict[str, Any]:
    return {
        "task_id": ctx.task_number,
        "celery_task_id": ctx.task_id,
        "mode": ctx.mode,
        "project": ctx.project_name,
        "query": kw.model_dump(),
        "samples": samples,
        "inputs": [{"key": p.file.key, "version": objects[p.file.key].version} for p in parts],
        "divbase_version": __version__,
        "bcftools_version": ctx.bcftools.version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _put_log(ctx: TaskContext, kw: BcftoolsPipeRequest, key: str, status: str) -> None:
    if kw.tsv_filter is not None:
        mode = f"Sample metadata query\nTSV query string: '{kw.tsv_filter}'"
    elif kw.samples is not None:
        mode = f"Filter by sample IDs\nSamples selected: {', '.join(kw.samples)}"
    else:
        mode = "All samples selected"
    header = [
        "DivBase query vcf task log",
        "=================",
        f"Job Status: {status}",
        f"DivBase version: {__version__}",
        f"BCFtools version: {_bcftools_version(ctx)}",
        f"Date: {datetime.now(UTC).date().isoformat()}",
        f"Project: {ctx.project_name}",
        f"Sample Selection Mode: {mode}",
        f"User inputted bcftools command used: '{kw.command}'",
        f"Task ID: {ctx.task_number}",
        f"DivBase internal task ID: {ctx.task_id}",
        f"Mode: {ctx.mode}",
        "=================",
    ]
    ctx.bucket.put_bytes(("\n".join(header + ctx.log_lines) + "\n").encode(), key)


def _bcftools_version(ctx: TaskContext) -> str:
    try:
        return ctx.bcftools.version()
    except Exception:  # the log must be written even when bcftools is missing
        return "unavailable"


def render(result: BcftoolsPipeResult) -> str:
    return (
        f"Output file ready: {result.output_file} ({result.records} records, {len(result.samples)} samples "
        f"from {len(result.files)} file(s)); log: {result.log_file}"
    )


def _prepare(values: dict[str, Any]) -> dict[str, Any]:
    path = values.pop("samples_file", None)
    if path is not None:
        if values.get("samples") is not None:
            raise InvalidInput(f"Use only one of {MODES}.")
        values["samples"] = read_samples_file(Path(path))
    return values


SPEC = register(
    TaskSpec(
        cli_name="bcftools-pipe",
        celery_name="tasks.bcftools_query",
        summary="Subset samples/regions with bcftools view over every relevant VCF and combine into one VCF.",
        request=BcftoolsPipeRequest,
        result=BcftoolsPipeResult,
        handler=run,
        queue="long",
        role="QUERY",
        render=render,
        precheck=precheck,
        result_file=lambda result: result.output_file,
        cli_extras=(CliExtra("samples_file", "File with one sample id per line ('#' comments allowed)."),),
        prepare=_prepare,
    )
)
