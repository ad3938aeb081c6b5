"""Pooled PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from feedback_ai import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(database_url: str):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_idle_dead_connection_is_replaced(pg_engine, database_url, monkeypatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.05)
    first = _backend_pid(pg_engine)
    assert _backend_pid(pg_engine) == first  # reused from the pool
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar_one()
    killer.dispose()
    time.sleep(0.1)  # longer than PING_AFTER_IDLE_S: the next checkout pings, finds it dead
    second = _backend_pid(pg_engine)
    assert second != first


def test_recently_used_connection_is_not_pinged(pg_engine, monkeypatch) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 60.0)
    _backend_pid(pg_engine)
    pings: list[object] = []
    original = pg_engine.dialect.do_ping
    monkeypatch.setattr(pg_engine.dialect, "do_ping", lambda c: pings.append(c) or original(c))
    for _ in range(3):
        _backend_pid(pg_engine)
    assert pings == []
