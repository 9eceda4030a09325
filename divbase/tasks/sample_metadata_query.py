"""Task: filter the sidecar sample metadata and report matching samples and the VCF files holding them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from divbase.core.metadata import parse_filter
from divbase.core.plan import parts_for_samples
from divbase.tasks.common import filter_samples
from divbase.tasks.context import TaskContext
from divbase.tasks.registry import TaskSpec, register

DEFAULT_TSV = "sample_metadata.tsv"


class SampleMetadataQueryRequest(BaseModel):
    tsv_filter: str = Field(description="Filter, e.g. 'Area:North,West;Sex:F;Year:>2010' ('' selects all).")
    metadata_tsv_name: str = Field(DEFAULT_TSV, description="Sidecar metadata TSV in the bucket.")


class SampleFile(BaseModel):
    sample: str
    filename: str


class SampleMetadataQueryResult(BaseModel):
    unique_sample_ids: list[str]
    unique_filenames: list[str]
    sample_and_filename_subset: list[SampleFile]
    query_message: str
    warnings: list[str] = []
    status: str = "completed"


def run(ctx: TaskContext, kw: SampleMetadataQueryRequest) -> SampleMetadataQueryResult:
    found = filter_samples(ctx, kw.tsv_filter, kw.metadata_tsv_name)
    parts = parts_for_samples(found.dims.files, found.sample_ids)
    pairs = [SampleFile(sample=s, filename=p.file.key) for p in parts for s in p.out_samples]
    return SampleMetadataQueryResult(
        unique_sample_ids=found.sample_ids,
        unique_filenames=[p.file.key for p in parts],
        sample_and_filename_subset=pairs,
        query_message=found.query_message,
        warnings=found.warnings,
    )


def render(result: SampleMetadataQueryResult) -> str:
    ids, files = result.unique_sample_ids, result.unique_filenames
    lines = [f"{len(ids)} sample(s) in {len(files)} VCF file(s) match {result.query_message}."]
    if result.warnings:
        lines += ["Warnings:", *(f"  • {w}" for w in result.warnings), ""]
    lines += [
        f"The results for the query ({result.query_message}):",
        f"Unique Sample IDs: {ids}",
        f"Unique filenames: {files}",
    ]
    if not ids:
        lines.append("No samples match your query filters.")
    return "\n".join(lines)


def precheck(request: SampleMetadataQueryRequest) -> None:
    parse_filter(request.tsv_filter)


SPEC = register(
    TaskSpec(
        cli_name="sample-metadata-query",
        celery_name="tasks.sample_metadata_query",
        summary="Filter the sample metadata TSV; print matching sample ids and the VCF files holding them.",
        request=SampleMetadataQueryRequest,
        result=SampleMetadataQueryResult,
        handler=run,
        queue="quick",
        role="READ",
        render=render,
        precheck=precheck,
        waits=True,
    )
)
