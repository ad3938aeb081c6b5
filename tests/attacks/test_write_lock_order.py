"""On SQLite, every write of the background workers runs under the process's write lock.

A writer that takes SQLite's lock first (any INSERT, UPDATE or DELETE opens a write transaction)
and the process's lock second deadlocks against a request holding the process's lock and waiting
for SQLite's: both wait out their 5 s timeouts. The review queue's sync did that with its UPDATE
of stale items, and under 100 single POSTs/s every request queued behind it got 503.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from feedback_ai import db as db_module
from feedback_ai.requirements import service as requirements
from feedback_ai.review.ordering import ordering_named
from feedback_ai.review.sync import refresh_statistics, sync_queue
from feedback_ai.themes.models import ThemeProposal
from tests.api.domain_fixtures import add_feedback

WRITES = ("INSERT", "UPDATE", "DELETE", "PRAGMA OPTIMIZE", "ANALYZE")


@pytest.fixture
def unlocked_writes(sqlite: Engine) -> list[str]:
    """Write statements run while this process's write lock was free (the test has one thread,
    so a held lock is held by it)."""
    found: list[str] = []

    @event.listens_for(sqlite, "before_cursor_execute")
    def _check(_conn, _cursor, statement: str, *_args) -> None:
        lock = db_module._write_locks.get(str(sqlite.url))
        if statement.lstrip().upper().startswith(WRITES) and not (lock and lock.locked()):
            found.append(statement.split("\n", 1)[0])

    return found


def test_queue_sync_and_linking_write_only_under_the_write_lock(
    sqlite: Engine, unlocked_writes: list[str]
) -> None:
    with Session(sqlite, expire_on_commit=False) as session:
        rows = [
            add_feedback(session, f"Please add export number {n}.", statements=[f"Add export {n}"])
            for n in range(3)
        ]
        unlocked_writes.clear()  # the fixtures' own inserts are not under test
        requirements.link_batch(session=session, feedback_ids=[r.id for r in rows])
        session.add(ThemeProposal(fingerprint="f", name="exports", keywords=["export"], stems=[],
                                  feedback_ids=[], example_ids=[], size=3, cohesion=0.5))  # fmt: skip
        with db_module.serialized_writes(session):
            session.commit()
        ordering = ordering_named("priority_uncertainty")
        first = sync_queue(session=session, ordering=ordering, uncertainty_min=0.0)
        with db_module.serialized_writes(session):  # the proposal's item goes stale
            session.query(ThemeProposal).update({"status": "rejected"})
            session.commit()
        second = sync_queue(session=session, ordering=ordering, uncertainty_min=0.0)
        refresh_statistics(session)
    assert first.added >= 4 and second.superseded == 1  # the sync did write, both ways
    assert unlocked_writes == []
