"""`divbase submit --wait` gives byte-identical result records to `divbase run`, through real uvicorn,
Celery, PostgreSQL, Redis and SeaweedFS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.e2e.conftest import World, new_project
from tests.fixture_sets import HOM_TSV, MIXED, MIXED_TSV, QUERY, SPLIT, SPLIT_TSV

pytestmark = pytest.mark.e2e

TSV = HOM_TSV

CASES = [
    (
        "c1-merge",
        QUERY,
        [
            "--tsv-filter",
            "Area:West of Ireland,Northern Portugal;Sex:F",
            "--command",
            "view -s",
            "--metadata-tsv-name",
            TSV,
        ],
    ),
    (
        "c2-concat",
        SPLIT,
        [
            "--tsv-filter",
            "Area:West of Ireland,Northern Portugal;Sex:F",
            "--command",
            "view -s",
            "--metadata-tsv-name",
            SPLIT_TSV,
        ],
    ),
    (
        "c3-region",
        SPLIT,
        [
            "--tsv-filter",
            "Area:West of Ireland;Sex:F",
            "--command",
            "view -r 1,4,6,21,24",
            "--metadata-tsv-name",
            SPLIT_TSV,
        ],
    ),
    ("d1-all", QUERY, ["--all-samples", "--command", "view -r 21:15000000-25000000"]),
    ("d2-samples", QUERY, ["--samples", "5a_HOM-I13,1b_HOM-G58", "--command", "view -r 21:15000000-25000000"]),
    (
        "d5-mixed",
        MIXED,
        [
            "--tsv-filter",
            "Area:Northern Spanish shelf,Iceland",
            "--command",
            "view -r 1,4,6,8,13,18,21,24",
            "--metadata-tsv-name",
            MIXED_TSV,
        ],
    ),
]


@pytest.mark.parametrize(("name", "files", "query"), CASES, ids=[c[0] for c in CASES])
def test_submit_wait_equals_run(
    world: World, fixtures: Path, tmp_path: Path, name: str, files: list[str], query: list[str]
) -> None:
    project = new_project(world, name, {f: fixtures / f for f in files})
    update = world.cli("submit", "dimensions-update", "--project", project, "--wait", "--json")
    assert update.code == 0, update.stderr
    assert update.json()["status"] == "SUCCESS"
    remote_out = tmp_path / "remote" / "result.vcf.gz"
    remote = world.cli("submit", "bcftools-pipe", "--project", project, "--wait", "-o", str(remote_out), *query)
    assert remote.code == 0, remote.stderr
    local_dir = tmp_path / "local"
    local_dir.mkdir()
    for f in files:
        shutil.copyfile(fixtures / f, local_dir / f)
    assert divbase("run", "dimensions-update", "--bucket-dir", str(local_dir)).code == 0
    local_out = tmp_path / "local-result.vcf.gz"
    local = divbase("run", "bcftools-pipe", "--bucket-dir", str(local_dir), "-o", str(local_out), *query)
    assert local.code == 0, local.stderr
    assert records(remote_out) == records(local_out)
    assert Path(f"{remote_out}.csi").exists()


def test_submit_writes_the_output_type_asked_for(world: World, fixtures: Path, tmp_path: Path) -> None:
    name, files, query = CASES[0]
    project = new_project(world, f"{name}-bcf", {f: fixtures / f for f in files})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    early = world.cli("submit", "bcftools-pipe", "--project", project, "-o", str(tmp_path / "x.bcf"), *query)
    assert early.code == 2 and "-o/--output needs --wait" in early.stderr
    out = tmp_path / "result.bcf"
    run = world.cli("submit", "bcftools-pipe", "--project", project, "--wait", "-o", str(out), *query)
    assert run.code == 0, run.stderr
    assert out.read_bytes()[:3] == b"\x1f\x8b\x08" and Path(f"{out}.csi").exists()  # BGZF-compressed BCF
    text = subprocess.run(["bcftools", "view", str(out)], capture_output=True, text=True, check=True).stdout
    assert text.startswith("##fileformat=VCF") and [line for line in text.splitlines() if not line.startswith("#")]


def test_sample_metadata_query_returns_its_result(world: World, fixtures: Path) -> None:
    project = new_project(world, "meta", {f: fixtures / f for f in QUERY})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    answer = world.cli(
        "submit",
        "sample-metadata-query",
        "--project",
        project,
        "--json",
        "--tsv-filter",
        "Area:West of Ireland,Northern Portugal;Sex:F",
        "--metadata-tsv-name",
        TSV,
    )
    assert answer.code == 0, answer.stderr
    body = answer.json()
    assert body["status"] == "SUCCESS"
    assert sorted(body["result"]["unique_sample_ids"]) == sorted(
        ["5a_HOM-I13", "5a_HOM-I14", "5a_HOM-I20", "5a_HOM-I21", "5a_HOM-I7", "1b_HOM-G58"]
    )
    assert body["result"]["unique_filenames"] == QUERY[:2]


def test_refused_command_queues_nothing(world: World, fixtures: Path) -> None:
    before = world.api("GET", "/v1/task-history/tasks/user", params={"limit": 1000}).json()
    answer = world.cli("submit", "bcftools-pipe", "--project", "alpha", "--all-samples", "--command", "view -Oz")
    assert answer.code == 2 and "-O/--output-type" in answer.stderr
    after = world.api("GET", "/v1/task-history/tasks/user", params={"limit": 1000}).json()
    assert after == before


def test_failed_task_exits_1_with_reason(world: World, fixtures: Path) -> None:
    project = new_project(world, "failing", {f: fixtures / f for f in QUERY})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    answer = world.cli(
        "submit", "bcftools-pipe", "--project", project, "--wait", "--samples", "nobody", "--command", "view -s"
    )
    assert answer.code == 1
    assert "not found in the project's dimensions index: nobody" in answer.stderr
    log = world.bucket(project).read_bytes(f"result_of_job_{_last_id(world)}.log").decode()
    assert "Job Status: FAILURE" in log


def _last_id(world: World) -> int:
    rows = world.api("GET", "/v1/task-history/tasks/user", params={"limit": 1}).json()
    return int(rows[0]["id"])


def test_history_types_every_task_kind(world: World, fixtures: Path) -> None:
    project = new_project(world, "typed", {f: fixtures / f for f in QUERY})
    assert world.cli("submit", "dimensions-update", "--project", project, "--wait").code == 0
    assert (
        world.cli(
            "submit", "sample-metadata-query", "--project", project, "--tsv-filter", "Sex:F", "--metadata-tsv-name", TSV
        ).code
        == 0
    )
    assert (
        world.cli(
            "submit", "bcftools-pipe", "--project", project, "--wait", "--samples", "5a_HOM-I7", "--command", "view -s"
        ).code
        == 0
    )
    rows = world.cli("task-history", "project", project, "--json").json()
    by_name = {row["name"]: row for row in rows}
    expected = {
        "tasks.update_vcf_dimensions_task": ("indexed", "refused"),
        "tasks.sample_metadata_query": ("unique_sample_ids", "unique_filenames"),
        "tasks.bcftools_query": ("output_file", "samples"),
    }
    for name, keys in expected.items():
        row = by_name[name]
        assert row["state"] == "SUCCESS" and row["kwargs"]["project_name"] == project
        assert all(key in row["result"] for key in keys), row
        assert row["runtime"] is not None and row["started_at"] and row["completed_at"]
    assert by_name["tasks.bcftools_query"]["kwargs"]["samples"] == ["5a_HOM-I7"]
    table = world.cli("task-history", "project", project)
    assert table.code == 0 and "bcftools-pipe" in table.stdout and "SUCCESS" in table.stdout
