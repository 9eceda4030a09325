"""Alembic migrations build exactly the schema of the models (Celery's own table aside)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from divbase.adapters.migrate import alembic_config, include_object, upgrade
from divbase.adapters.tables import Base
from tests.conftest import fresh_database


@pytest.fixture
def engine() -> Iterator[Engine]:
    with fresh_database("divbase_mig") as url:
        made = create_engine(url)
        yield made
        made.dispose()


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
        "revoked_tokens",
        "personal_access_tokens",
        "login_failures",
        "project_versions",
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


def head(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_a_database_made_before_migrations_is_adopted(engine: Engine) -> None:
    # the schema of the baseline, as create_all made it before migrations existed (no alembic_version table)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("DROP TABLE alembic_version"))
    upgrade(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head(engine)
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
