"""`divbase run <task>`: one command per task declaration, its options derived from the request model."""

from __future__ import annotations

import inspect
import shutil
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, info, json_option
from divbase.core.errors import InvalidInput
from divbase.tasks.registry import TaskSpec, tasks
from divbase.tasks.runner import Outcome

COMMON = ("bucket_dir", "json_out", "output", "jobs")


def option_type(annotation: Any) -> Any:
    """CLI type for a request field: lists are given comma-separated; optional stays optional."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return option_type(inner[0]) | None
    return str if origin is list else annotation


def field_parameter(name: str, info_: FieldInfo) -> inspect.Parameter:
    flag = "--" + name.replace("_", "-")
    required = info_.is_required()
    default = ... if required else info_.default
    annotation = option_type(info_.annotation)
    option = typer.Option(default, flag, help=info_.description or "", show_default=not required)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation)


def parameters(spec: TaskSpec) -> list[inspect.Parameter]:
    params = [field_parameter(name, f) for name, f in spec.request.model_fields.items()]
    for extra in spec.cli_extras:
        option = typer.Option(None, "--" + extra.name.replace("_", "-"), help=extra.help)
        params.append(
            inspect.Parameter(
                extra.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=extra.kind | None
            )
        )
    kw = inspect.Parameter.KEYWORD_ONLY
    params += [
        inspect.Parameter("bucket_dir", kw, default=bucket_dir_option(), annotation=Path | None),
        inspect.Parameter("json_out", kw, default=json_option(), annotation=bool),
        inspect.Parameter(
            "jobs",
            kw,
            default=typer.Option(
                None,
                "--jobs",
                "-j",
                help="Parallel bcftools processes (default: the CPUs this process may use).",
            ),
            annotation=int | None,
        ),
    ]
    if spec.result_file is not None:
        params.append(
            inspect.Parameter(
                "output",
                kw,
                default=typer.Option(
                    None, "--output", "-o", help="Also write the result file (and its index) to this path."
                ),
                annotation=Path | None,
            )
        )
    return params


def build_request(spec: TaskSpec, values: dict[str, Any]) -> BaseModel:
    fields = spec.prepare({k: v for k, v in values.items() if k not in COMMON})
    try:
        return spec.request.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise InvalidInput(
            f"Invalid options for {spec.cli_name}: {problems}", f"See 'divbase run {spec.cli_name} --help'."
        ) from None


def make_command(spec: TaskSpec) -> Any:
    def command(**values: Any) -> int:
        from divbase.local import LocalProject

        request = build_request(spec, values)
        project = LocalProject(bucket_dir(values["bucket_dir"]), values["jobs"])
        outcome = project.run(spec, request)
        if values.get("output") is not None and outcome.result is not None and spec.result_file is not None:
            copy_result(project.root / spec.result_file(outcome.result), values["output"])
        return finish(spec, outcome, values["json_out"])

    command.__signature__ = inspect.Signature(parameters(spec))  # type: ignore[attr-defined]
    command.__doc__ = spec.summary
    command.__name__ = spec.cli_name.replace("-", "_")
    return command


def copy_result(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    index = Path(f"{source}.csi")
    if index.exists():
        shutil.copyfile(index, Path(f"{target}.csi"))
    info(f"Wrote {target}")


def finish(spec: TaskSpec, outcome: Outcome, as_json: bool) -> int:
    if as_json:
        emit_json(outcome.as_json())
    if outcome.error is not None:
        if not as_json:
            info(f"Task {outcome.task_number} failed.")
        from divbase.cli.output import report_error

        report_error(outcome.error, as_json=False)
        return 1
    assert outcome.result is not None
    if not as_json:
        typer.echo(spec.render(outcome.result))
        info(
            f"Task {outcome.task_number}: {outcome.status}. "
            f"Details: divbase task-history id {outcome.task_number}"
        )
    return spec.exit_code(outcome.result)


def register_run_commands(app: typer.Typer) -> None:
    for spec in tasks():
        app.command(spec.cli_name, help=spec.summary)(make_command(spec))
