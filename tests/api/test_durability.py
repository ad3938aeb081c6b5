"""Acknowledged items survive the database becoming unavailable mid-run."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feedback_ai.db import make_engine, migrate, normalize_url
from feedback_ai.settings import Settings
from tests.conftest import TEST_DB_ENV, create_scratch_database, drop_scratch_database
from tests.factories import feedback_payload, headers, make_key, serve_model

WARM_UP_ITEMS = 20  # the outage starts once this many items were acknowledged
RECOVERY_ITEMS = 5  # ...and the run ends once this many were acknowledged after it
MAX_ITEMS = 5_000  # guards: the run cannot go on forever
GUARD_S = 120.0


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


@dataclass
class Run:
    """What the sender saw, and the events that move the outage along (no sleeps, no clocks)."""

    bodies: dict[int, dict] = field(default_factory=dict)
    answers: dict[int, tuple[int, dict, dict]] = field(default_factory=dict)
    warmed_up: threading.Event = field(default_factory=threading.Event)  # N items acknowledged
    outage_on: threading.Event = field(default_factory=threading.Event)
    saw_503: threading.Event = field(default_factory=threading.Event)  # ...during the outage
    released: threading.Event = field(default_factory=threading.Event)
    recovered: threading.Event = field(default_factory=threading.Event)  # 201s after release
    stop: threading.Event = field(default_factory=threading.Event)


def _send(client: TestClient, key: str, run: Run) -> None:
    """Post items one after another until told to stop (or MAX_ITEMS, a guard), noting events."""
    acked = acked_after = 0
    for i in range(MAX_ITEMS):
        if run.stop.is_set():
            return
        run.bodies[i] = feedback_payload(external_id=f"durable-{i}")
        r = client.post("/v1/feedback", json=run.bodies[i], headers=headers(key))
        run.answers[i] = (r.status_code, r.json(), dict(r.headers))
        if r.status_code == 503 and run.outage_on.is_set():
            run.saw_503.set()
        if r.status_code != 201:
            continue
        acked += 1
        if acked >= WARM_UP_ITEMS:
            run.warmed_up.set()
        if run.released.is_set():
            acked_after += 1
            if acked_after >= RECOVERY_ITEMS:
                run.recovered.set()


def _wait(event: threading.Event, sender: threading.Thread) -> bool:
    """Wait for `event` up to GUARD_S; give up at once if the sender died."""
    for _ in range(int(GUARD_S * 10)):
        if event.wait(0.1) or not sender.is_alive():
            break
    return event.is_set()


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
    registry_engine = make_engine(url)
    migrate(registry_engine)
    serve_model(registry_engine, models_dir / "test-model")
    registry_engine.dispose()
    with TestClient(create_app(settings)) as client:
        key = make_key(client.app.state.engine, "ingest")
        run = Run()
        sender = threading.Thread(target=_send, args=(client, key, run))
        sender.start()
        try:
            assert _wait(run.warmed_up, sender), f"fewer than {WARM_UP_ITEMS} items acknowledged"
            with outage():
                run.outage_on.set()
                assert _wait(run.saw_503, sender), "the outage produced no 503"
            run.released.set()
            assert _wait(run.recovered, sender), "the service did not recover after the outage"
        finally:
            run.stop.set()
            sender.join(timeout=GUARD_S)
        assert not sender.is_alive()

        answers = run.answers
        statuses = [s for s, _, _ in answers.values()]
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
                r = client.post("/v1/feedback", json=run.bodies[i], headers=headers(key))
                assert r.status_code in (200, 201)
                acknowledged.add(r.json()["id"])
    assert _stored_ids(url) == acknowledged
