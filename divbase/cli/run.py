"""`divbase run <task>` and `divbase submit <task>`: one command per task declaration, same task options,
derived from the request model."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from divbase.cli import result_output
from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, info, json_option, progress, report_error
from divbase.core.errors import InvalidInput
from divbase.tasks.registry import TaskSpec, tasks
from divbase.tasks.runner import Outcome

KW = inspect.Parameter.KEYWORD_ONLY
COMMON = (
    "bucket_dir",
    "json_out",
    "output",
    "output_type",
    "jobs",
    "project",
    "wait",
    "timeout",
    "cancel_on_interrupt",
)


def option_type(annotation: Any) -> Any:
    """CLI type for a request field: lists are given comma-separated; optional stays optional."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return option_type(inner[0]) | None
    return str if origin is list else annotation


def field_parameter(name: str, field: FieldInfo) -> inspect.Parameter:
    flag = "--" + name.replace("_", "-")
    required = field.is_required()
    option = typer.Option(
        ... if required else field.default, flag, help=field.description or "", show_default=not required
    )
    return inspect.Parameter(name, KW, default=option, annotation=option_type(field.annotation))


def task_parameters(spec: TaskSpec) -> list[inspect.Parameter]:
    """The task's own options: request fields plus client-side extras (e.g. --samples-file)."""
    params = [field_parameter(name, f) for name, f in spec.request.model_fields.items()]
    for extra in spec.cli_extras:
        option = typer.Option(None, "--" + extra.name.replace("_", "-"), help=extra.help)
        params.append(inspect.Parameter(extra.name, KW, default=option, annotation=extra.kind | None))
    params.append(inspect.Parameter("json_out", KW, default=json_option(), annotation=bool))
    if spec.result_file is not None:
        output = typer.Option(
            None,
            "--output",
            "-o",
            help="Also write the result to PATH (outside the bucket; '-' for stdout), in the format of -O or of "
            "PATH's extension (.vcf.gz, .bcf: with a .csi index; .vcf). Samples are in header order, files in "
            "key order.",
        )
        kind = typer.Option(None, "--output-type", "-O", help="Output type for -o: z, b, v or u (as bcftools).")
        params.append(inspect.Parameter("output", KW, default=output, annotation=Path | None))
        params.append(inspect.Parameter("output_type", KW, default=kind, annotation=str | None))
    return params


def local_parameters() -> list[inspect.Parameter]:
    jobs = typer.Option(
        None, "--jobs", "-j", help="Parallel bcftools processes (default: the CPUs this process may use)."
    )
    return [
        inspect.Parameter("bucket_dir", KW, default=bucket_dir_option(), annotation=Path | None),
        inspect.Parameter("jobs", KW, default=jobs, annotation=int | None),
    ]


def remote_parameters() -> list[inspect.Parameter]:
    project = typer.Option(None, "--project", "-p", help="Project on the server (default: config default_project).")
    wait = typer.Option(False, "--wait", "-w", help="Wait for the task to end and exit with its outcome.")
    timeout = typer.Option(3600.0, "--timeout", help="With --wait: give up after this many seconds (exit 124).")
    cancel = typer.Option(False, "--cancel-on-interrupt", help="With --wait: Ctrl-C also cancels the task.")
    return [
        inspect.Parameter("project", KW, default=project, annotation=str | None),
        inspect.Parameter("wait", KW, default=wait, annotation=bool),
        inspect.Parameter("timeout", KW, default=timeout, annotation=float),
        inspect.Parameter("cancel_on_interrupt", KW, default=cancel, annotation=bool),
    ]


def build_request(spec: TaskSpec, values: dict[str, Any]) -> BaseModel:
    fields = spec.prepare({k: v for k, v in values.items() if k not in COMMON})
    try:
        return spec.request.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise InvalidInput(
            f"Invalid options for {spec.cli_name}: {problems}", f"See 'divbase run {spec.cli_name} --help'."
        ) from None


def command_for(spec: TaskSpec, params: list[inspect.Parameter], body: Callable[..., int]) -> Any:
    def command(**values: Any) -> int:
        return body(spec, values)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = spec.summary
    command.__name__ = spec.cli_name.replace("-", "_")
    return command


def output_target(values: dict[str, Any]) -> result_output.Target | None:
    return result_output.resolve(values.get("output"), values.get("output_type"), values["json_out"])


def run_local(spec: TaskSpec, values: dict[str, Any]) -> int:
    from divbase.local import LocalProject

    request = build_request(spec, values)
    root = bucket_dir(values["bucket_dir"])
    target = output_target(values)
    result_output.refuse_inside(target, root)
    project = LocalProject(root, values["jobs"])
    with progress(f"Running {spec.cli_name} in {project.root} ..."):
        outcome = project.run(spec, request)
    if target is not None and outcome.result is not None and spec.result_file is not None:
        result_output.write(project.root / spec.result_file(outcome.result), target, project.bcftools)
    return finish(spec, outcome, values["json_out"], to_stdout=target is not None and target.path is None)


def finish(spec: TaskSpec, outcome: Outcome, as_json: bool, to_stdout: bool = False) -> int:
    """Print the outcome (JSON or text) and return the exit code."""
    if as_json:
        emit_json(outcome.as_json())
    if outcome.error is not None:
        info(f"Task {outcome.task_number} failed.")
        report_error(outcome.error, as_json=False)
        return 1
    assert outcome.result is not None
    for warning in outcome.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if not as_json:
        typer.echo(spec.render(outcome.result), err=to_stdout)  # stdout holds the result itself with -o -
    info(f"Task {outcome.task_number}: {outcome.status}. Details: divbase task-history id {outcome.task_number}")
    return spec.exit_code(outcome.result)


def register(run_app: typer.Typer, submit_app: typer.Typer) -> None:
    from divbase.cli.submit import submit_remote

    for spec in tasks():
        run_app.command(spec.cli_name, help=spec.summary)(
            command_for(spec, task_parameters(spec) + local_parameters(), run_local)
        )
        submit_app.command(spec.cli_name, help=spec.summary)(
            command_for(spec, task_parameters(spec) + remote_parameters(), submit_remote)
        )
