"""The deployment files: compose.yaml describes a complete stack whose commands are real `divbase`
subcommands, and scripts/serve-local.sh is valid bash.

compose.yaml is read with PyYAML when it is importable, else through `docker compose config
--format json` (which needs the compose plugin, not an engine); with neither the test fails rather
than skips, so a missing parser is noticed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from divbase.service.settings import ServiceSettings

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose.yaml"
SERVE_LOCAL = REPO / "scripts" / "serve-local.sh"
APP_SERVICES = ("migrations", "api", "worker", "beat")
HEALTHY = ("postgres", "redis", "s3", "api")
# Only for `docker compose config`, which refuses to interpolate unset required variables.
REQUIRED_VARS = {"DIVBASE_JWT_SECRET": "x" * 32, "DIVBASE_S3_SECRET_KEY": "test-secret"}


def _docker_compose_config() -> dict[str, Any] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    proc = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **REQUIRED_VARS},
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        return None
    parsed: dict[str, Any] = json.loads(proc.stdout)
    return parsed


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        parsed = _docker_compose_config()
        if parsed is None:
            pytest.fail("Cannot read compose.yaml: install PyYAML (pip install pyyaml) or the docker compose plugin.")
        return parsed
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_compose_has_the_whole_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "s3", *APP_SERVICES}
    for name in HEALTHY:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "-s3.autoCreateBucket=false" in services["s3"]["command"]
    assert "--appendonly" in services["redis"]["command"]
    api_deps = services["api"]["depends_on"]
    assert api_deps["migrations"]["condition"] == "service_completed_successfully"
    assert api_deps["redis"]["condition"] == api_deps["s3"]["condition"] == "service_healthy"
    assert services["migrations"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_app_services_share_valid_settings(compose: dict[str, Any]) -> None:
    services = compose["services"]
    known = {f"DIVBASE_{name.upper()}" for name in ServiceSettings.model_fields}
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments), "app services must share one environment"
    unknown = {key for key in environments[0] if key.startswith("DIVBASE_")} - known
    assert not unknown, f"not settings of divbase.service.settings: {sorted(unknown)}"
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert build["target"] == "server"
        assert Path(build["dockerfile"]).name == "Dockerfile"
        assert (REPO / build["dockerfile"]).is_file()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_command_is_a_divbase_command(compose: dict[str, Any], service: str) -> None:
    command = compose["services"][service]["command"]
    assert isinstance(command, list) and command[0] == "divbase", command
    proc = subprocess.run(
        [sys.executable, "-m", "divbase", *command[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(command)} --help: {proc.stdout}\n{proc.stderr}"


def test_serve_local_is_valid_bash() -> None:
    proc = subprocess.run(["bash", "-n", str(SERVE_LOCAL)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert os.access(SERVE_LOCAL, os.X_OK), "scripts/serve-local.sh should be executable"
