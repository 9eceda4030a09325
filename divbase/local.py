"""Local mode: a directory is the bucket, SQLite under `<dir>/.divbase/` holds history and dimensions."""

from __future__ import annotations

import getpass
import os
import shutil
import tempfile
import uuid
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from divbase.adapters.bcftools import Bcftools
from divbase.adapters.database import Database
from divbase.adapters.index_cache import IndexCache
from divbase.adapters.local_bucket import LocalBucket
from divbase.adapters.pipe_exec import Executor
from divbase.core.errors import NotFound
from divbase.tasks.context import TaskContext
from divbase.tasks.registry import TaskSpec
from divbase.tasks.runner import Outcome, execute

STATE_DIR = ".divbase"


def default_jobs() -> int:
    """Parallel bcftools processes: SLURM_CPUS_PER_TASK in a SLURM job, else the CPUs this process may use."""
    slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if slurm.isdigit() and int(slurm) > 0:
        return int(slurm)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LocalProject:
    """One bucket directory and its state."""

    def __init__(self, root: Path, jobs: int | None = None) -> None:
        if not root.is_dir():
            raise NotFound(
                f"Bucket directory {root} does not exist.",
                "Pass an existing directory with --bucket-dir or set DIVBASE_BUCKET_DIR.",
            )
        self.root = root.resolve()
        self.state = self.root / STATE_DIR
        self.jobs = jobs or default_jobs()

    @cached_property
    def db(self) -> Database:
        return Database.sqlite(self.state / "divbase.sqlite")

    @cached_property
    def bucket(self) -> LocalBucket:
        return LocalBucket(self.root)

    @cached_property
    def bcftools(self) -> Bcftools:
        return Bcftools.from_env()

    @cached_property
    def project_id(self) -> int:
        return self.db.ensure_project(self.root.name or "local", str(self.root))

    @cached_property
    def user_id(self) -> int:
        return self.db.ensure_user(f"{getpass.getuser()}@local")

    def run(self, spec: TaskSpec, request: BaseModel) -> Outcome:
        """Validate, record the task as queued, run it in-process, record how it ended."""
        spec.precheck(request)
        kwargs = spec.kwargs(
            **request.model_dump(),
            project_name=self.root.name,
            project_id=self.project_id,
            bucket_name=str(self.root),
            user_id=self.user_id,
        )
        task_id = str(uuid.uuid4())
        number = self.db.create_task(
            task_id,
            spec.celery_name,
            kwargs.model_dump(mode="json"),
            user_id=self.user_id,
            project_id=self.project_id,
            queue=spec.queue,
        )
        (self.state / "tmp").mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"task_{number}_", dir=self.state / "tmp"))
        ctx = TaskContext(
            bucket=self.bucket,
            db=self.db,
            bcftools=self.bcftools,
            executor=Executor(self.bcftools, workdir, self.jobs),
            indexes=IndexCache(self.state / "index", self.bcftools),
            project_id=self.project_id,
            project_name=self.root.name,
            task_number=number,
            task_id=task_id,
            workdir=workdir,
            mode="local",
            jobs=self.jobs,
        )
        try:
            return execute(spec, kwargs, ctx)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
