"""The Snakemake workflow in remote mode: `divbase submit --wait` against the running service."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.e2e.conftest import World, new_project
from tests.fixture_sets import SPLIT
from tests.workflow.snakemake_run import command, make_bucket
from tests.workflow.test_snakemake import direct_args, queries

pytestmark = pytest.mark.e2e


def test_remote_mode_matches_local_results(world: World, fixtures: Path, tmp_path: Path) -> None:
    project = new_project(world, "workflow", {f: fixtures / f for f in SPLIT})
    work = tmp_path / "work"
    env = {**world.stack.env, "DIVBASE_TOKEN": world.tokens["manage"]}
    done = subprocess.run(
        command(work, "mode=remote", f"project={project}", "wait_timeout=300"), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    local = make_bucket(tmp_path / "local")
    assert divbase("run", "dimensions-update", "--bucket-dir", str(local)).code == 0
    for row in queries():
        expected = tmp_path / f"{row['name']}.vcf.gz"
        assert (
            divbase("run", "bcftools-pipe", "--bucket-dir", str(local), "-o", str(expected), *direct_args(row)).code
            == 0
        )
        assert records(work / "results" / f"{row['name']}.vcf.gz") == records(expected), row["name"]
