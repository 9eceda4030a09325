"""Running the Snakemake workflow in its own environment (.venv-workflow) from the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

WORKFLOW = REPO / "workflows"
SNAKEMAKE = REPO / ".venv-workflow" / "bin" / "snakemake"
DIVBASE = Path(sys.executable).parent / "divbase"


def snakemake() -> str:
    if not SNAKEMAKE.exists():
        pytest.fail(
            f"Snakemake is not installed at {SNAKEMAKE}. Create its environment with: python3 -m venv "
            ".venv-workflow && .venv-workflow/bin/pip install -r workflows/requirements.txt"
        )
    return str(SNAKEMAKE)


def make_bucket(dest: Path) -> Path:
    subprocess.run([str(WORKFLOW / ".test" / "make_bucket.sh"), str(dest), str(FIXTURES)], check=True)
    return dest


def command(workdir: Path, *config: str, cores: int = 2) -> list[str]:
    """snakemake on the .test config, run in `workdir`, with `key=value` config overrides."""
    return [
        snakemake(),
        "-s",
        str(WORKFLOW / "workflow" / "Snakefile"),
        "--cores",
        str(cores),
        "--directory",
        str(workdir),
        "--configfile",
        str(WORKFLOW / ".test" / "config" / "config.yaml"),
        "--config",
        f"divbase={DIVBASE}",
        f"queries={WORKFLOW / '.test' / 'config' / 'queries.tsv'}",
        *config,
    ]
