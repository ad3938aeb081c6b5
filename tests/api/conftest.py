"""Fixtures for API tests: one key per role on a clean database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import make_key


@pytest.fixture
def admin_key(client: TestClient, engine: Engine) -> str:
    """An admin key."""
    return make_key(engine, "admin")


@pytest.fixture
def ingest_key(client: TestClient, engine: Engine) -> str:
    """An ingest key."""
    return make_key(engine, "ingest")


@pytest.fixture
def reviewer_key(client: TestClient, engine: Engine) -> str:
    """A reviewer key."""
    return make_key(engine, "reviewer")
