"""`feedback-ai migrate`: bring the database schema up to date."""

from __future__ import annotations

import typer
from alembic.runtime.migration import MigrationContext

from feedback_ai.cli.common import migrated_engine, safe_url
from feedback_ai.settings import get_settings

app = typer.Typer()


@app.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema (also done by `serve` and on app start)."""
    settings = get_settings()
    engine = migrated_engine(settings)
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    typer.echo(f"{safe_url(settings.database_url)} is at revision {revision}")
