"""Helpers shared by the command groups: settings, database and friendly failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from feedback_ai.db import make_engine, make_sessionmaker, migrate, normalize_url, session_scope
from feedback_ai.errors import ArtifactError
from feedback_ai.settings import Settings

if TYPE_CHECKING:
    from feedback_ai.ml import FeedbackModel


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


def scoring_model_ref(
    settings: Settings, model: str | None = None, models_dir: Path | None = None
) -> tuple[Path, str | None]:
    """The directory of the model a batch command scores with, and its registered sha256.

    `model` (a version in models_dir or a directory) is the operator's own choice; without it,
    the registry's champion, whose artifact is checked against its recorded sha256 (nothing is
    unpickled here).
    """
    from feedback_ai.ml import resolve_model_dir
    from feedback_ai.serving.champion import current_champion
    from feedback_ai.serving.registry import check_artifact

    if model is not None or settings.model_version:
        return resolve_model_dir(
            models_dir or settings.models_dir, model or settings.model_version
        ), None
    with cli_session(settings) as session:
        record = current_champion(session=session)
        if record is None:
            raise ArtifactError(
                "No champion model in the registry; run `feedback-ai train` (the first model "
                "becomes the champion) or pass --model VERSION_OR_DIR."
            )
        return check_artifact(record=record), record.sha256


def load_scoring_model(
    settings: Settings, model: str | None = None, models_dir: Path | None = None
) -> tuple[FeedbackModel, Path, str | None]:
    """scoring_model_ref, loaded (the bytes checked against the sha256 before unpickling)."""
    from feedback_ai.ml import load_model

    path, sha256 = scoring_model_ref(settings, model, models_dir)
    return load_model(path, sha256=sha256), path, sha256
