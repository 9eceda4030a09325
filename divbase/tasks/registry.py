"""Task declarations: one `TaskSpec` per task; the CLI, runners and history parsing derive from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, create_model

if TYPE_CHECKING:
    from divbase.tasks.context import TaskContext


class TaskKwargsBase(BaseModel):
    """What every task receives besides its request: where it runs and for whom."""

    model_config = ConfigDict(extra="forbid")

    project_name: str
    project_id: int
    bucket_name: str
    user_id: int | None = None


@dataclass(frozen=True)
class CliExtra:
    """A client-side option that is turned into request fields before submission (e.g. --samples-file)."""

    name: str
    help: str
    kind: type = str


@dataclass(frozen=True)
class TaskSpec:
    """Everything divbase knows about one task."""

    cli_name: str
    celery_name: str
    summary: str
    request: type[BaseModel]
    result: type[BaseModel]
    handler: Callable[[TaskContext, Any], BaseModel]
    queue: str
    role: str
    render: Callable[[Any], str]
    precheck: Callable[[Any], None] = lambda _request: None
    waits: bool = False
    """The API waits for the result (quick tasks)."""
    exclusive: bool = False
    """At most one queued or running task of this kind per project (the API answers 409 otherwise)."""
    exit_code: Callable[[Any], int] = lambda _result: 0
    result_file: Callable[[Any], str] | None = None
    """Bucket key of the file a task produced (the CLI offers `-o/--output` to copy it out)."""
    cli_extras: tuple[CliExtra, ...] = ()
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = lambda values: values
    """Turns CLI values (request fields plus extras) into request fields."""
    kwargs: type[TaskKwargsBase] = field(init=False)

    def __post_init__(self) -> None:
        name = self.request.__name__.removesuffix("Request") + "Kwargs"
        model = create_model(name, __base__=(self.request, TaskKwargsBase))
        object.__setattr__(self, "kwargs", model)


_TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    _TASKS[spec.celery_name] = spec
    return spec


def tasks() -> list[TaskSpec]:
    """All user tasks, loading their declarations on first use."""
    _load()
    return list(_TASKS.values())


def by_name(name: str) -> TaskSpec | None:
    """Look a task up by its Celery name or CLI name."""
    _load()
    return _TASKS.get(name) or next((t for t in _TASKS.values() if t.cli_name == name), None)


def _load() -> None:
    from divbase.tasks import bcftools_pipe, dimensions_update, sample_metadata_query  # noqa: F401
