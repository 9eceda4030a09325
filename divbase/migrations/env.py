"""Alembic environment: divbase's own tables (Celery's result table is Celery's, not migrated here)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from divbase.adapters.migrate import include_object
from divbase.adapters.tables import Base


def migrate(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=Base.metadata, include_object=include_object, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    config = context.config
    given = config.attributes.get("connection")
    if given is not None:  # divbase.adapters.migrate passes its own connection
        migrate(given)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        migrate(connection)


run()
