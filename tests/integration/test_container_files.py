"""The container recipes: the Dockerfile lints clean (hadolint), the Apptainer definition is well formed
and both run the `divbase` entry point of this package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, divbase

APPTAINER_SECTIONS = {"%labels", "%files", "%post", "%environment", "%runscript", "%test", "%help"}


def test_dockerfile_lints_clean() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run([hadolint, "containers/Dockerfile"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_targets_and_user() -> None:
    text = (REPO / "containers" / "Dockerfile").read_text()
    assert re.search(r"^FROM runtime AS cli$", text, re.M) and re.search(r"^FROM runtime AS server$", text, re.M)
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert 'ENTRYPOINT ["divbase"]' in text and "org.opencontainers.image.title" in text


def test_apptainer_definition_is_well_formed() -> None:
    text = (REPO / "containers" / "divbase.def").read_text()
    header = dict(re.findall(r"^(Bootstrap|From):\s*(\S+)", text, re.M))
    assert header == {"Bootstrap": "docker", "From": "python:3.11-slim-bookworm"}
    sections = set(re.findall(r"^(%\w+)", text, re.M))
    assert sections == APPTAINER_SECTIONS
    for source in re.findall(r"^\s{4}(\S+) /opt/src/", text, re.M):
        assert (REPO / source).exists(), source
    assert 'exec /opt/divbase/bin/divbase "$@"' in text


def test_entry_point_runs_from_the_package() -> None:
    result = divbase("--version")
    assert result.code == 0 and result.stdout.startswith("divbase 0.1.0") and "bcftools" in result.stdout
