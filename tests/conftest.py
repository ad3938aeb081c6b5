"""Shared fixtures: a real database (SQLite or PostgreSQL), a real trained model, the app."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from feedback_ai.db import (
    Base,
    load_all_models,
    make_engine,
    make_sessionmaker,
    migrate,
    normalize_url,
)
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.settings import Settings
from tests.factories import serve_model

# The trained model fixtures (trained, models_dir, model): one real model per test run.
pytest_plugins = ["tests.model_fixtures"]

TEST_DB_ENV = "FEEDBACK_AI_TEST_DATABASE_URL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` belong to the PostgreSQL pass of the suite and tests marked `sqlite`
    to the SQLite pass: each is absent from the other pass (deselected, not skipped)."""
    other = "sqlite" if os.environ.get(TEST_DB_ENV) else "postgres"
    dropped = [item for item in items if item.get_closest_marker(other)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


def require_services() -> bool:
    """FEEDBACK_AI_REQUIRE_SERVICES=1 turns a missing service from a skip into a failure (CI)."""
    return os.environ.get("FEEDBACK_AI_REQUIRE_SERVICES") == "1"


def skip_or_fail(message: str) -> None:
    """Skip, or fail when services are required."""
    if require_services():
        pytest.fail(message)
    pytest.skip(message)


def create_scratch_database(server_url: str, prefix: str) -> tuple[str, Engine]:
    """A fresh, uniquely named database on the PostgreSQL server of `server_url`."""
    admin = create_engine(
        server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin


def drop_scratch_database(admin: Engine, url: str) -> None:
    """Drop a database made by create_scratch_database."""
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database: a private database on FEEDBACK_AI_TEST_DATABASE_URL, else SQLite."""
    configured = os.environ.get(TEST_DB_ENV)
    if not configured:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    server_url = normalize_url(configured)
    try:
        url, admin = create_scratch_database(server_url, "feedback_ai_test")
    except OperationalError as e:
        skip_or_fail(f"PostgreSQL at {TEST_DB_ENV} is unreachable: {e.orig}")
    except ProgrammingError:  # no CREATEDB right: use the given database as it is
        yield server_url
        return
    yield url
    drop_scratch_database(admin, url)


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    """Whether the suite runs on PostgreSQL."""
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated test database."""
    eng = make_engine(database_url, busy_timeout_ms=1_000)
    migrate(eng)
    yield eng
    eng.dispose()


def clear_tables(engine: Engine) -> None:
    """Delete every row of every table (children first); the schema stays."""
    load_all_models()
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    from feedback_ai.requirements.index import reset_index

    with Session(engine) as session:
        reset_index(session)  # the in-memory requirement index must forget the deleted rows


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on an empty database; the tables are emptied again afterwards."""
    clear_tables(engine)
    with make_sessionmaker(engine)() as s:
        yield s
    clear_tables(engine)


@pytest.fixture(scope="session")
def settings(database_url: str, models_dir: Path) -> Settings:
    """Settings for the test app: the test database and the trained model."""
    # No champion watch: tests that move the pointer must not switch the shared app's model.
    # run_jobs=False: no background thread takes jobs that tests create; tests run them with
    # app.state.job_runner.run_once(), deterministically.
    return Settings(
        database_url=database_url,
        models_dir=models_dir,
        db_busy_timeout_ms=1_000,
        retry_after_s=2,
        model_watch_s=0,
        review_sync_interval_s=0,  # tests queue items with POST /v1/review/sync, not a timer
        run_jobs=False,
    )


@pytest.fixture(scope="session")
def app_client(settings: Settings, engine: Engine, trained: TrainResult) -> Iterator[TestClient]:
    """One app for the session, started (migrated, the trained model registered and loaded) once."""
    from feedback_ai.main import create_app

    serve_model(engine, trained.path)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient, engine: Engine) -> Iterator[TestClient]:
    """The app client, on an empty database that is emptied again afterwards."""
    clear_tables(engine)
    yield app_client
    clear_tables(engine)
