"""Bring a service database to the current schema: Alembic for divbase's tables, then Celery's table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from divbase.adapters.tables import Base, CeleryTaskMetaRow

CELERY_TABLES = {"celery_taskmeta", "celery_tasksetmeta"}


def include_object(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic manages divbase's tables only: Celery's result tables belong to Celery."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in CELERY_TABLES


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
BASELINE = "0001"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine) -> None:
    """`alembic upgrade head`, then create Celery's result table if the worker has not yet (the API writes
    queued tasks into it before any worker runs)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "users" in tables:  # made before migrations existed: adopt it
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[CeleryTaskMetaRow.__tablename__]])
