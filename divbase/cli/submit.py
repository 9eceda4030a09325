"""`divbase submit <task>`: send a task to the server; with --wait, follow it to the end."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from divbase.cli import result_output
from divbase.cli.output import emit_json, info, progress
from divbase.cli.remote import Api, Config
from divbase.core.errors import DivbaseError, InvalidInput, TaskError
from divbase.tasks.registry import TaskSpec
from divbase.tasks.runner import Outcome

FINAL = ("SUCCESS", "FAILURE", "REVOKED")
TIMED_OUT = 124


def submit_remote(spec: TaskSpec, values: dict[str, Any]) -> int:
    from divbase.cli.run import build_request, finish, output_target

    request = build_request(spec, values)
    spec.precheck(request)
    target = output_target(values)
    if target is not None and not values["wait"]:
        raise InvalidInput(
            "-o/--output needs --wait: the result exists only once the task has finished.",
            ("Add --wait, or fetch it later with 'divbase files download result_of_job_<id>.vcf.gz'."),
        )
    config = Config.load()
    project = config.project(values["project"])
    api = Api(config.url)
    answer = api.call(
        "POST",
        f"/v1/tasks/{spec.cli_name}/projects/{project}",
        body=request.model_dump(mode="json"),
        timeout=60.0,
    )
    number = int(answer["task_id"])
    if answer.get("result") is not None:
        return finish(
            spec,
            Outcome(number, "SUCCESS", result=spec.result.model_validate(answer["result"])),
            values["json_out"],
        )
    if not values["wait"]:
        if values["json_out"]:
            emit_json({"task_id": number, "status": answer.get("status", "PENDING")})
        info(f"Task {number} submitted. Follow it with 'divbase task-history id {number}' or resubmit with --wait.")
        return 0
    try:
        with progress(f"Waiting for task {number} on the server ..."):
            row = wait_for(api, number, values["timeout"])
    except KeyboardInterrupt:
        if values["cancel_on_interrupt"]:
            api.call("POST", f"/v1/task-history/tasks/{number}/cancel")
            info(f"Task {number} cancelled.")
        else:
            info(f"Stopped waiting; task {number} keeps running (cancel it with 'divbase task cancel {number}').")
        raise
    if row is None:
        if values["json_out"]:
            emit_json({"task_id": number, "status": "TIMEOUT"})
        info(f"Task {number} did not finish within {values['timeout']} s; it keeps running on the server.")
        return TIMED_OUT
    outcome = _outcome(spec, number, row)
    if target is not None and outcome.result is not None and spec.result_file is not None:
        fetch_result(api, project, spec.result_file(outcome.result), target)
    return finish(spec, outcome, values["json_out"], to_stdout=target is not None and target.path is None)


def fetch_result(api: Api, project: str, key: str, target: result_output.Target) -> None:
    """Download the result (checksum verified), then write it to the `-o` target in its format."""
    if target.path is not None and target.fmt == "z":
        download(api, project, key, target.path)
        return
    from divbase.adapters.bcftools import Bcftools

    with tempfile.TemporaryDirectory(prefix="divbase-result-") as tmp:
        local = Path(tmp) / "result.vcf.gz"
        download(api, project, key, local)
        result_output.write(local, target, Bcftools.from_env())


def wait_for(api: Api, number: int, timeout: float) -> dict[str, Any] | None:
    """Poll the task with back-off (50 ms doubling to 2 s) until it ends or the timeout passes."""
    deadline, delay = time.monotonic() + timeout, 0.05
    while True:
        row: dict[str, Any] = api.call("GET", f"/v1/task-history/tasks/{number}")
        if row.get("status") in FINAL:
            return row
        if time.monotonic() + delay > deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _outcome(spec: TaskSpec, number: int, row: dict[str, Any]) -> Outcome:
    if row["status"] == "SUCCESS":
        return Outcome(number, "SUCCESS", result=spec.result.model_validate(row["result"]))
    result = row.get("result") or {}
    message = result.get("exc_message") if isinstance(result, dict) else None
    if isinstance(message, list):
        message = " ".join(str(m) for m in message)
    error: DivbaseError = TaskError(
        str(message or result or "the task failed"), f"See 'divbase task-history id {number}'."
    )
    return Outcome(number, row["status"], error=error)


def download(api: Api, project: str, key: str, target: Path) -> None:
    """Fetch a result file and its index through presigned URLs, straight from S3."""
    import httpx

    from divbase.adapters.s3_etag import verify_download

    target.parent.mkdir(parents=True, exist_ok=True)
    for source, path in ((f"{key}.csi", Path(f"{target}.csi")), (key, target)):  # the VCF last
        link = api.call("GET", f"/v1/projects/{project}/files/download-url", params={"key": source})
        tmp = path.with_name(f".{path.name}.divbase-tmp")
        try:
            with httpx.stream("GET", link["url"], timeout=300.0) as response:
                response.raise_for_status()
                with tmp.open("wb") as handle:
                    for chunk in response.iter_bytes(1 << 20):
                        handle.write(chunk)
            verify_download(tmp, link["etag"])
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    info(f"Wrote {target} (checksum verified)")
