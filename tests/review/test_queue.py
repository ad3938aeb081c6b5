"""The queue: what it holds, its default order, filters, masked-only search, cursor paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback_ai.ml import mask_pii
from feedback_ai.ml.training.active import review_score
from feedback_ai.review.ordering import arr_priority, ordering_named
from feedback_ai.review.sync import rescore, sync_queue
from feedback_ai.themes.models import ThemeProposal
from tests.api.domain_fixtures import NOW
from tests.review.conftest import feedback, items_of


def _ids(page):
    return [i["id"] for i in page["items"]]


def test_the_queue_holds_candidates_unsure_feedback_and_proposals(db, pm):
    feedback(db, "We need SSO with Okta.", statements=["Support SSO with Okta"], uncertainty=0.2)
    feedback(db, "Is this a bug or a wish?", uncertainty=0.8)
    feedback(db, "Love it, works great.", uncertainty=0.1)  # sure of itself: not queued
    db.add(ThemeProposal(fingerprint="f1", name="dark mode", keywords=["dark", "mode"], stems=[],
                         feedback_ids=[], example_ids=[], size=6, cohesion=0.4))  # fmt: skip
    db.commit()
    assert pm.ok(pm.post("/sync"))["added"] == 3
    assert pm.ok(pm.post("/sync"))["added"] == 0  # idempotent
    page = pm.ok(pm.get("/queue"))
    assert sorted(i["type"] for i in page["items"]) == ["candidate", "feedback", "theme_proposal"]
    prop = next(i for i in page["items"] if i["type"] == "theme_proposal")
    assert prop["proposal"]["keywords"] == ["dark", "mode"]


def test_default_order_is_priority_times_uncertainty(db, pm):
    spec = [(0.9, 0.0), (0.6, 900_000.0), (0.55, 5_000.0), (0.95, 1_000_000.0)]
    for n, (unsure, arr) in enumerate(spec):
        feedback(db, f"Unsure item number {n}", uncertainty=unsure, arr=arr, account=f"a{n}")
    pm.ok(pm.post("/sync"))
    page = pm.ok(pm.get("/queue"))
    expected = sorted(
        (review_score(uncertainty=u, priority=arr_priority(a)) for u, a in spec), reverse=True
    )
    assert [i["score"] for i in page["items"]] == pytest.approx(expected, abs=1e-6)
    assert page["items"][0]["account"] == "a3"  # most unsure and the biggest account


def test_filters_combine(db, pm):
    feedback(db, "Export to PDF please", statements=["Export to PDF"], source="sales_note",
             kind="feature_request", themes=["reporting"], account="acme",
             received_at=NOW - timedelta(days=10))  # fmt: skip
    feedback(db, "The app crashes on upload", statements=["Fix crash on upload"],
             kind="bug", themes=["mobile"], account="globex")  # fmt: skip
    feedback(db, "Which plan has SSO?", uncertainty=0.9, kind="question", account="acme")
    pm.ok(pm.post("/sync"))

    def names(**params):
        return sorted(i["feedback"]["text"][:6] for i in pm.ok(pm.get("/queue", **params))["items"])

    assert names(type="feedback") == ["Which "]
    assert names(theme="reporting") == ["Export"]
    assert names(source="sales_note") == ["Export"]
    assert names(kind="bug") == ["The ap"]
    assert names(account="acme") == ["Export", "Which "]
    assert names(until=(NOW - timedelta(days=1)).isoformat()) == ["Export"]
    assert names(since=(NOW - timedelta(days=1)).isoformat(), account="acme") == ["Which "]
    assert names(q="CRASHES") == ["The ap"]
    assert pm.get("/queue", kind="nonsense").status_code == 422
    assert pm.get("/queue", colour="red").status_code == 422


def test_text_search_reads_masked_text_only(db, pm, admin):
    row = feedback(db, "Reach me at jane.doe@example.com about the key sk_live_abcdef1234567890",
                   uncertainty=0.9)  # fmt: skip
    row.masked_text = mask_pii(row.text)
    db.commit()
    pm.ok(pm.post("/sync"))
    for who in (pm, admin):
        assert who.ok(who.get("/queue", q="jane.doe"))["items"] == []
        assert who.ok(who.get("/queue", q="sk_live"))["items"] == []
        assert len(who.ok(who.get("/queue", q="about the key"))["items"]) == 1
    [shown] = pm.ok(pm.get("/queue"))["items"]
    assert "jane.doe" not in shown["feedback"]["text"] and shown["feedback"]["raw_text"] is None
    [shown] = admin.ok(admin.get("/queue"))["items"]
    assert "jane.doe" in shown["feedback"]["raw_text"]


def test_cursor_pages_cover_everything_once(db, pm):
    for n in range(7):  # equal scores on purpose: the id breaks ties
        feedback(db, f"Unsure thing {n}", uncertainty=0.7 if n % 2 else 0.8, arr=1000.0)
    pm.ok(pm.post("/sync"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = pm.ok(pm.get("/queue", **params))
        seen += _ids(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 == len(set(seen))
    assert seen == _ids(pm.ok(pm.get("/queue", limit=50)))
    assert pm.get("/queue", cursor="not-a-cursor").status_code == 422


def test_decided_items_leave_the_pending_queue(db, pm):
    feedback(db, "We need SSO.", statements=["Support SSO"])
    pm.ok(pm.post("/sync"))
    [item] = pm.ok(pm.get("/queue"))["items"]
    pm.ok(pm.act(item["id"], "accept"))
    assert pm.ok(pm.get("/queue"))["items"] == []
    assert _ids(pm.ok(pm.get("/queue", status="accepted"))) == [item["id"]]
    assert items_of(db)[0].status == "accepted"


def test_the_ordering_can_be_swapped(db, pm):
    old = feedback(db, "Unsure old", uncertainty=0.95, received_at=NOW - timedelta(days=9))
    new = feedback(db, "Unsure new", uncertainty=0.6, received_at=NOW)
    pm.ok(pm.post("/sync"))
    assert [i["feedback"]["id"] for i in pm.ok(pm.get("/queue"))["items"]] == [old.id, new.id]
    assert rescore(session=db, ordering=ordering_named("newest")) == 2
    assert [i["feedback"]["id"] for i in pm.ok(pm.get("/queue"))["items"]] == [new.id, old.id]


def test_theme_spread_lets_no_theme_flood_the_head_of_the_queue(db, pm):
    card = [feedback(db, f"Card item {n}", uncertainty=0.99 - n / 100, themes=["card"])
            for n in range(4)]  # fmt: skip
    refund = feedback(db, "Refund item", uncertainty=0.6, themes=["refund"])
    pm.ok(pm.post("/sync"))
    order = lambda: [i["feedback"]["id"] for i in pm.ok(pm.get("/queue"))["items"]]  # noqa: E731
    assert order() == [*(c.id for c in card), refund.id]  # by priority x uncertainty alone
    spread = ordering_named("theme_spread")
    assert rescore(session=db, ordering=spread) == 5
    # The 3 best card items, then the refund one, then the 4th card item.
    assert order() == [card[0].id, card[1].id, card[2].id, refund.id, card[3].id]
    # A sync re-ranks: an even less sure card item pushes the third one behind the refund item.
    newest = feedback(db, "Card item new", uncertainty=0.999, themes=["card"])
    sync_queue(session=db, ordering=spread, uncertainty_min=0.5)
    assert order() == [newest.id, card[0].id, card[1].id, refund.id, card[2].id, card[3].id]
