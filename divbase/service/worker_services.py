"""What a worker process holds: database, S3 client, bcftools; builds a TaskContext per task."""

from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from divbase.adapters.bcftools import Bcftools
from divbase.adapters.database import Database
from divbase.adapters.index_cache import IndexCache
from divbase.adapters.pipe_exec import Executor
from divbase.core.ports import Bucket
from divbase.local import default_jobs
from divbase.service.settings import ServiceSettings
from divbase.tasks.context import TaskContext


class WorkerServices:
    """Connections are opened on first use, in the worker process (never at import)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings

    @cached_property
    def db(self) -> Database:
        return Database.from_url(self.settings.database_url)

    @cached_property
    def s3(self) -> Any:
        from divbase.adapters.s3_bucket import client_from

        s = self.settings
        return client_from(s.s3_endpoint, s.s3_access_key, s.s3_secret_key)

    @cached_property
    def bcftools(self) -> Bcftools:
        return Bcftools.from_env()

    def bucket(self, name: str) -> Bucket:
        from divbase.adapters.s3_bucket import S3Bucket

        return S3Bucket(name, self.s3)

    def context(self, kwargs: BaseModel, task_id: str) -> TaskContext:
        data = kwargs.model_dump()
        cache = Path(self.settings.worker_cache_dir)
        (cache / "tmp").mkdir(parents=True, exist_ok=True)
        number = self.db.task_number(task_id) or 0
        workdir = Path(tempfile.mkdtemp(prefix=f"task_{number}_", dir=cache / "tmp"))
        return TaskContext(
            bucket=self.bucket(data["bucket_name"]),
            db=self.db,
            bcftools=self.bcftools,
            executor=Executor(self.bcftools, workdir, default_jobs()),
            indexes=IndexCache(cache / "index", self.bcftools),
            project_id=data["project_id"],
            project_name=data["project_name"],
            task_number=number,
            task_id=task_id,
            workdir=workdir,
            mode="server",
            jobs=default_jobs(),
        )
