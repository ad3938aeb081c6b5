"""The linker's own process does not yield the core between items; in-process linking does."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from feedback_ai.requirements import linking, placement, service
from feedback_ai.requirements.index import index_for
from feedback_ai.requirements.models import RequirementEvidence
from tests.api.domain_fixtures import add_feedback, db, domain_client  # noqa: F401

ASKS = [
    ("We need SSO with Okta before rollout.", "Support SSO with Okta"),
    ("Please add single sign-on via Okta.", "Add single sign-on via Okta"),
    ("Could you let us export reports as PDF?", "Export reports as PDF"),
]


def _sleeps(monkeypatch) -> list[float]:
    calls: list[float] = []
    monkeypatch.setattr(placement.time, "sleep", calls.append)
    return calls


def test_in_process_linking_yields_between_items(db, monkeypatch):  # noqa: F811
    rows = [add_feedback(db, text, statements=[s]) for text, s in ASKS]
    sleeps = _sleeps(monkeypatch)
    assert service.link_batch(session=db, feedback_ids=[r.id for r in rows]).linked == 3
    assert sleeps == [0, 0, 0]


def test_the_linker_process_links_without_yielding(db, monkeypatch):  # noqa: F811
    rows = [add_feedback(db, text, statements=[s]) for text, s in ASKS]
    sleeps = _sleeps(monkeypatch)
    # What the linker's process runs per batch (its initializer set the sessionmaker).
    monkeypatch.setattr(linking, "_worker_sessionmaker", sessionmaker(db.get_bind()))
    assert linking._link_in_worker([r.id for r in rows]) == 3
    assert sleeps == []
    assert db.scalar(select(func.count()).select_from(RequirementEvidence)) == 3


def test_the_database_index_keeps_no_member_texts(db):  # noqa: F811
    rows = [add_feedback(db, text, statements=[s]) for text, s in ASKS]
    service.link_batch(session=db, feedback_ids=[r.id for r in rows])
    index = index_for(db).index
    assert len(index) == 2 and not index.keep_texts
    assert all(texts == [] for texts in index._texts)
