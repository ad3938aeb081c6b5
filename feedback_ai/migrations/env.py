"""Alembic environment: runs on a connection handed over by feedback_ai.db.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from feedback_ai.db import Base, load_all_models, make_engine, migration_connection
from feedback_ai.migrations import include_object
from feedback_ai.settings import Settings

# Every feedback_ai/<domain>/models.py is imported, so Base.metadata is complete.
load_all_models()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on the given connection, or on one to FEEDBACK_AI_DATABASE_URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(Settings().database_url)
    with migration_connection(engine) as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `feedback-ai migrate`")
run_migrations_online()
