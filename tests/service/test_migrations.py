"""Alembic migrations build exactly the schema of the models (Celery's own table aside)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg2
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from divbase.adapters.migrate import alembic_config, include_object, upgrade
from divbase.adapters.tables import Base
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def engine() -> Iterator[Engine]:
    name = f"divbase_mig_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://")
    made = create_engine(f"{base}/{name}")
    yield made
    made.dispose()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def test_migrations_match_the_models(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "users",
        "projects",
        "project_members",
        "task_history",
        "task_started_at",
        "vcf_files",
        "vcf_skipped",
        "celery_taskmeta",
        "alembic_version",
    } <= tables


def test_upgrade_is_repeatable_and_downgrade_removes_app_tables(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"celery_taskmeta", "alembic_version"}


def test_a_database_made_before_migrations_is_adopted(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    upgrade(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
