"""The single-POST tail on SQLite (issue 12.8): background writers never hold the write lock for
long, and linking's CPU work runs outside the server's process (it held the GIL requests need).

At 100 POSTs/s, the review queue's sync inserted 30 s of items (~3,800) in one transaction and
held the write lock for ~250 ms, and every ingest queued behind it; a linker thread in the server
spent 100-250 ms of Python per batch while requests waited for the GIL between their steps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from feedback_ai import db as db_module
from feedback_ai.db import make_engine
from feedback_ai.requirements.linking import process_url_for
from feedback_ai.review import sync
from feedback_ai.review.ordering import ordering_named
from tests.api.domain_fixtures import add_feedback


def test_queue_sync_inserts_in_short_transactions_under_the_lock(
    sqlite: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "INSERT_PER_COMMIT", 2)
    per_commit: list[int] = []
    pending = [0]
    locked_at_commit: list[bool] = []

    @event.listens_for(sqlite, "before_cursor_execute")
    def _count(_conn, _cursor, statement: str, parameters, _context, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO REVIEW_ITEM "):
            pending[0] += len(parameters) if executemany else 1

    @event.listens_for(sqlite, "commit")
    def _commit(_conn) -> None:
        if pending[0]:
            per_commit.append(pending[0])
            lock = db_module._write_locks.get(str(sqlite.url))
            locked_at_commit.append(bool(lock and lock.locked()))
        pending[0] = 0

    with Session(sqlite, expire_on_commit=False) as session:
        for n in range(5):
            add_feedback(session, f"Please add export number {n}.", statements=[f"Add export {n}"])
        report = sync.sync_queue(
            session=session, ordering=ordering_named("priority_uncertainty"), uncertainty_min=0.0
        )
    assert report.added >= 5
    assert sum(per_commit) == report.added
    assert max(per_commit) <= 2 and len(per_commit) >= 3  # many transactions, none large
    assert all(locked_at_commit)  # each under the process's write lock


def test_the_server_links_in_a_process_of_its_own_on_sqlite(tmp_path: Path) -> None:
    file_db = make_engine(f"sqlite:///{tmp_path / 'link.db'}")
    try:
        assert process_url_for(file_db) == f"sqlite:///{tmp_path / 'link.db'}"
    finally:
        file_db.dispose()
    # Another process cannot see an in-memory database: that one links in a thread.
    assert process_url_for(create_engine("sqlite://")) is None
    assert process_url_for(create_engine("sqlite:///:memory:")) is None
