"""Helpers shared by the command groups: settings, database and friendly failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from feedback_ai.db import make_engine, make_sessionmaker, migrate, normalize_url, session_scope
from feedback_ai.settings import Settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error in red and return the Exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=code)


def safe_url(url: str) -> str:
    """The database URL with any password hidden."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def migrated_engine(settings: Settings) -> Engine:
    """An engine on a schema brought up to date; exits with a clear message if unreachable."""
    engine = make_engine(
        settings.database_url,
        busy_timeout_ms=settings.db_busy_timeout_ms,
        connect_timeout_s=settings.db_connect_timeout_s,
    )
    try:
        migrate(engine)
    except SQLAlchemyError as e:
        raise fail(
            f"cannot reach the database at {safe_url(settings.database_url)}: "
            f"{e.__class__.__name__}. Check FEEDBACK_AI_DATABASE_URL."
        ) from e
    return engine


@contextmanager
def cli_session(settings: Settings) -> Iterator[Session]:
    """A session on the migrated database, closed (and the engine disposed) afterwards."""
    engine = migrated_engine(settings)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()
