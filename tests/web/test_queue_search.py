"""The queue's text search gives the same items by either path: the matching feedback rows listed
first (rare text, the trigram index on PostgreSQL) or the queue walked in order (common text)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import and_, exists, insert, or_, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.ids import new_id
from feedback_ai.review import queue
from feedback_ai.review.models import ReviewItem
from feedback_ai.review.schemas import QueueFilter

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WORDS = ["okta", "export", "Billing", "50%_off", "pdf", "crash", "SSO", "path\\name", "Café",
         "ÉCOLE", "straße"]  # fmt: skip


@pytest.fixture
def texts(session: Session) -> dict[str, tuple[str | None, str | None]]:
    """120 feedback rows with two items each and a few proposals; item id -> (masked, name)."""
    rng, fb, items, out = random.Random(5), [], [], {}
    for i in range(120):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 4)))
        masked = f"Row {i}: {words}" + (" unique-needle" if i == 77 else "")
        fid = new_id()
        # The original holds a secret the search must not find: only the masked text is searched.
        fb.append(dict(id=fid, source="other", external_id=str(i), text=masked + " hunter2",
                       masked_text=masked, extra={}, received_at=NOW - timedelta(minutes=i),
                       created_at=NOW, content_sha256=f"{i:064d}"))  # fmt: skip
        for kind in ("feedback", "candidate"):
            iid = new_id()
            items.append(dict(id=iid, item_type=kind, subject_id=new_id(), feedback_id=fid,
                              status="pending" if i % 9 else "rejected", version=1,
                              score=rng.choice([0.1, 0.5, 0.9]), themes=[], created_at=NOW,
                              updated_at=NOW))  # fmt: skip
            out[iid] = (masked, None) if i % 9 else (None, None)
    for name in ("Okta login", "Exports", "nothing here"):
        iid = new_id()
        items.append(dict(id=iid, item_type="theme_proposal", subject_id=new_id(), status="pending",
                          version=1, score=0.5, statement=name, themes=[], created_at=NOW,
                          updated_at=NOW))  # fmt: skip
        out[iid] = (None, name)
    session.execute(insert(Feedback), fb)
    session.execute(insert(ReviewItem), items)
    session.commit()
    return out


def _old_search(session: Session, q: str) -> set[str]:
    """The search before: EXISTS over the feedback row, ILIKE (lower() LIKE on SQLite)."""
    pattern = queue._like(q)
    in_text = exists().where(Feedback.id == ReviewItem.feedback_id,
                             Feedback.masked_text.ilike(pattern, escape="\\"))  # fmt: skip
    proposal = and_(ReviewItem.item_type == "theme_proposal",
                    ReviewItem.statement.ilike(pattern, escape="\\"))  # fmt: skip
    query = select(ReviewItem.id).where(ReviewItem.status == "pending", or_(in_text, proposal))
    return set(session.scalars(query))


def _all_pages(session: Session, f: QueueFilter) -> list[str]:
    """Every item id of the search, page by page through the cursor."""
    got, cursor = [], None
    while True:
        rows, cursor = queue.queue_page(session=session, f=f, cursor=cursor, limit=7,
                                        key_id=None, now=NOW)  # fmt: skip
        got += [r.id for r in rows]
        if cursor is None:
            return got


@pytest.mark.parametrize("q", ["okta", "OKTA", "export", "unique-needle", "50%_off", "%", "_",
                               "path\\name", "row 1", "hunter2", "absent", "o", "café", "CAFÉ",
                               "école", "École", "STRASSE", "straße"])  # fmt: skip
def test_both_paths_give_the_same_items(session: Session, texts, monkeypatch, q: str) -> None:
    f = QueueFilter(q=q)
    listed = _all_pages(session, f)  # RARE_MATCHES holds all 120 rows: the listing path
    monkeypatch.setattr(queue, "RARE_MATCHES", 0)  # every text is "common": the walk
    walked = _all_pages(session, f)
    assert walked == listed
    assert sorted(queue.matching_ids(session=session, f=f, key_id=None, now=NOW)) == sorted(listed)
    assert set(listed) == _old_search(session, q)
    if q.isascii():  # both databases fold ASCII case alike; SQLite folds no other letters
        needle = q.lower()
        expected = {iid for iid, (masked, name) in texts.items()
                    if (masked and needle in masked.lower()) or (name and needle in name.lower())}  # fmt: skip
        assert set(listed) == expected
    assert len(listed) == len(set(listed))


def test_rare_and_common_text_take_different_paths(session: Session, texts, monkeypatch) -> None:
    monkeypatch.setattr(queue, "RARE_MATCHES", 10)
    rare = str(queue.text_match(session, "unique-needle"))
    common = str(queue.text_match(session, "okta"))
    # Rare: the matching items by id (feedback ids listed); common: each item's text on the walk.
    assert "UNION ALL" in rare.upper() and "MASKED_TEXT" not in rare.upper()
    assert "MASKED_TEXT" in common.upper() and "UNION ALL" not in common.upper()
    page, _cursor = queue.queue_page(session=session, f=QueueFilter(q="unique-needle", type="candidate"),
                                     cursor=None, limit=5, key_id=None, now=NOW)  # fmt: skip
    assert [(i.item_type, i.feedback_id is not None) for i in page] == [("candidate", True)]
