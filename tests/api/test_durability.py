"""Acknowledged items survive the database becoming unavailable mid-run."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feedback_ai.db import normalize_url
from feedback_ai.settings import Settings
from tests.conftest import TEST_DB_ENV, create_scratch_database, drop_scratch_database
from tests.factories import feedback_payload, headers, make_key

OUTAGE_S = 1.5


def _sqlite_outage(url: str) -> Callable[[], contextmanager]:
    path = make_url(url).database

    @contextmanager
    def outage() -> Iterator[None]:
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")  # blocks every writer, as a stuck process would
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()

    return outage


def _postgres_outage(url: str, server_url: str) -> Callable[[], contextmanager]:
    name = make_url(url).database

    @contextmanager
    def outage() -> Iterator[None]:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            try:
                yield
            finally:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    return outage


@pytest.fixture
def outage_target(is_postgres: bool, tmp_path: Path) -> Iterator[tuple[str, Callable]]:
    """A private database of the suite's kind, and a way to make it unavailable for a while."""
    if not is_postgres:
        url = f"sqlite:///{tmp_path / 'durability.db'}"
        yield url, _sqlite_outage(url)
        return
    server_url = normalize_url(os.environ[TEST_DB_ENV])
    url, admin = create_scratch_database(server_url, "feedback_ai_outage")
    try:
        yield url, _postgres_outage(url, server_url)
    finally:
        drop_scratch_database(admin, url)


def _stored_ids(url: str) -> set[str]:
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        ids = {row[0] for row in conn.execute(text("SELECT id FROM feedback"))}
    engine.dispose()
    return ids


@pytest.mark.slow
def test_acknowledged_items_survive_an_outage(
    outage_target: tuple[str, Callable], models_dir: Path
) -> None:
    from feedback_ai.main import create_app

    url, outage = outage_target
    settings = Settings(
        database_url=url,
        models_dir=models_dir,
        db_busy_timeout_ms=300,
        db_connect_timeout_s=2,
        retry_after_s=1,
    )
    with TestClient(create_app(settings)) as client:
        key = make_key(client.app.state.engine, "ingest")
        bodies = [feedback_payload(external_id=f"durable-{i}") for i in range(400)]
        answers: dict[int, tuple[int, dict, dict]] = {}
        stop = threading.Event()

        def send() -> None:
            for i, body in enumerate(bodies):
                if stop.is_set():
                    return
                r = client.post("/v1/feedback", json=body, headers=headers(key))
                answers[i] = (r.status_code, r.json(), dict(r.headers))

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.5)
        with outage():
            time.sleep(OUTAGE_S)
        time.sleep(1.0)
        stop.set()
        sender.join(timeout=60)

        statuses = [s for s, _, _ in answers.values()]
        assert 503 in statuses, "the outage produced no 503"
        assert statuses[-1] == 201, "the service did not recover after the outage"
        assert set(statuses) <= {201, 503}, set(statuses)
        for status, body, hdrs in answers.values():
            if status == 503:
                assert body["code"] == "database_unavailable"
                assert int(hdrs["retry-after"]) >= 1
        acknowledged = {body["id"] for s, body, _ in answers.values() if s == 201}
        assert acknowledged <= _stored_ids(url)

        # Retrying what got 503 stores each item exactly once.
        for i, (status, _, _) in sorted(answers.items()):
            if status == 503:
                r = client.post("/v1/feedback", json=bodies[i], headers=headers(key))
                assert r.status_code in (200, 201)
                acknowledged.add(r.json()["id"])
    assert _stored_ids(url) == acknowledged
