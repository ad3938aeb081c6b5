"""Fixtures for the attack tier: the API tests' keys, one per role, on a clean database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from feedback_ai.db import make_engine, migrate
from tests.api.conftest import admin_key, ingest_key, reviewer_key

__all__ = ["admin_key", "ingest_key", "reviewer_key"]


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database of this test's own (whatever database the suite runs on)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'attack.db'}")
    migrate(engine)
    yield engine
    engine.dispose()
