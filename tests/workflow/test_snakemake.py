"""The Snakemake workflow: lint, a real local run on the .test config, and a kill that leaves nothing."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import divbase, records
from tests.workflow.snakemake_run import WORKFLOW, command, make_bucket, snakemake

pytestmark = pytest.mark.integration


def queries() -> list[dict[str, str]]:
    with (WORKFLOW / ".test" / "config" / "queries.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def direct_args(row: dict[str, str]) -> list[str]:
    args = ["--command", row["command"]]
    if row["tsv_filter"]:
        return [*args, "--tsv-filter", row["tsv_filter"], "--metadata-tsv-name", row["metadata_tsv_name"]]
    return [*args, "--samples", row["samples"]] if row["samples"] else [*args, "--all-samples"]


def test_lint() -> None:
    done = subprocess.run(
        [snakemake(), "--lint", "--configfile", ".test/config/config.yaml"],
        cwd=WORKFLOW,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Congratulations, your workflow is in a good condition!" in done.stdout + done.stderr


def test_local_run_matches_divbase_run(tmp_path: Path) -> None:
    bucket = make_bucket(tmp_path / "bucket")
    work = tmp_path / "work"
    done = subprocess.run(command(work, f"bucket_dir={bucket}"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    direct = make_bucket(tmp_path / "direct")
    assert divbase("run", "dimensions-update", "--bucket-dir", str(direct)).code == 0
    for row in queries():
        result = work / "results" / f"{row['name']}.vcf.gz"
        assert result.exists() and Path(f"{result}.csi").exists(), row["name"]
        assert (work / "logs" / "query" / f"{row['name']}.log").exists()
        expected = tmp_path / f"{row['name']}.vcf.gz"
        assert (
            divbase("run", "bcftools-pipe", "--bucket-dir", str(direct), "-o", str(expected), *direct_args(row)).code
            == 0
        )
        assert records(result) == records(expected), row["name"]
    assert not list((work / "results").glob(".*tmp*"))


def test_killed_run_leaves_no_partial_result(tmp_path: Path) -> None:
    bucket = make_bucket(tmp_path / "bucket")
    slow = tmp_path / "slow-bcftools"
    slow.write_text('#!/bin/sh\n[ "$1" = view ] && [ "$2" != "-h" ] && sleep 30\nexec bcftools "$@"\n')
    slow.chmod(0o755)
    work = tmp_path / "work"
    env = {**os.environ, "DIVBASE_BCFTOOLS": str(slow)}
    proc = subprocess.Popen(
        command(work, f"bucket_dir={bucket}"),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list((work / "logs" / "query").glob("*.log")) if (work / "logs" / "query").exists() else True:
        assert time.monotonic() < deadline and proc.poll() is None, "no query started"
        time.sleep(0.2)
    time.sleep(2)  # the query is inside bcftools now
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(60)
    results = work / "results"
    assert sorted(p.name for p in results.iterdir()) == ["dimensions.json"]  # no VCF, no temp file
    left = subprocess.run(["pgrep", "-f", str(slow)], capture_output=True, text=True).stdout
    assert left == ""
