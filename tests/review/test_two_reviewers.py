"""Two reviewers at once: versions refuse stale writes (409 + current state); leases expire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from feedback_ai.db import utcnow
from feedback_ai.review.models import ReviewDecision, ReviewItem
from tests.review.conftest import feedback, items_of


def _one(db, pm):
    feedback(db, "Which plan has SSO?", uncertainty=0.9, themes=["security"])
    pm.ok(pm.post("/sync"))
    return items_of(db)[0]


def _expire_leases(db):
    """What the clock does after review_lease_s: the lease ends (set, not waited for)."""
    db.execute(update(ReviewItem).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()


def test_a_stale_write_gets_409_with_the_current_state(db, pm, pm2):
    item = _one(db, pm)
    seen = pm.item(item.id)  # pm reads version 1 ...
    pm.client.delete(f"/v1/review/items/{item.id}/claim", headers=pm.headers)
    pm2.ok(pm2.act(item.id, "relabel", themes=["billing"]))  # ... pm2 changes it meanwhile
    _expire_leases(db)
    r = pm.post(f"/items/{item.id}/relabel", {"version": seen["version"], "kind": "bug"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "stale_version"
    assert body["current"]["version"] == seen["version"] + 1
    assert body["current"]["themes"] == ["billing"] and body["current"]["status"] == "relabelled"
    # Nothing of the stale write was stored.
    db.expire_all()
    assert db.scalar(select(func.count()).where(ReviewDecision.field == "kind")) == 0
    assert db.get(ReviewItem, item.id).kind == "feature_request"


def test_opening_an_item_leases_it_and_the_queue_hides_it_from_others(db, pm, pm2):
    item = _one(db, pm)
    opened = pm.item(item.id)
    assert opened["lease"]["by"] == "pm-ann" and opened["lease"]["mine"] is True
    assert pm2.ok(pm2.get("/queue"))["items"] == []
    assert [i["id"] for i in pm.ok(pm.get("/queue"))["items"]] == [item.id]
    # pm2 can read it (not leased to them) but neither claim nor change it.
    seen = pm2.item(item.id)
    assert seen["lease"] == {"by": "pm-ann", "expires_at": seen["lease"]["expires_at"],
                             "mine": False}  # fmt: skip
    claim = pm2.post(f"/items/{item.id}/claim")
    assert claim.status_code == 409 and claim.json()["code"] == "item_leased"
    write = pm2.post(f"/items/{item.id}/reject", {"version": seen["version"], "reason": "spam"})
    assert write.status_code == 409 and write.json()["current"]["status"] == "pending"
    db.expire_all()
    assert db.get(ReviewItem, item.id).leased_by == "pm-ann"


def test_an_expired_lease_frees_the_item(db, pm, pm2):
    item = _one(db, pm)
    pm.item(item.id)
    assert pm2.ok(pm2.get("/queue"))["items"] == []
    _expire_leases(db)
    assert [i["id"] for i in pm2.ok(pm2.get("/queue"))["items"]] == [item.id]
    claimed = pm2.ok(pm2.post(f"/items/{item.id}/claim"))
    assert claimed["lease"]["by"] == "pm-bob"
    assert pm.ok(pm.get("/queue"))["items"] == []
    db.expire_all()
    row = db.get(ReviewItem, item.id)
    assert row.leased_by == "pm-bob" and row.lease_expires_at > utcnow()


def test_a_released_item_goes_back_to_the_queue(db, pm, pm2):
    item = _one(db, pm)
    pm.ok(pm.post(f"/items/{item.id}/claim"))
    assert pm2.ok(pm2.get("/queue"))["items"] == []
    pm.ok(pm.client.delete(f"/v1/review/items/{item.id}/claim", headers=pm.headers))
    assert len(pm2.ok(pm2.get("/queue"))["items"]) == 1


def test_bulk_needs_a_preview_and_a_matching_count(db, pm, pm2):
    for n in range(5):
        feedback(db, f"Unsure {n}", uncertainty=0.9, source="sales_note" if n < 3 else "survey")
    pm.ok(pm.post("/sync"))
    body = {"action": "reject", "reason": "spam", "filter": {"source": "sales_note"}}
    preview = pm.ok(pm.post("/bulk/preview", body))
    assert preview["count"] == 3
    r = pm.post("/bulk", body)
    assert r.status_code == 409 and r.json()["code"] == "confirmation_required"
    wrong = pm.post("/bulk", body | {"confirm_token": preview["confirm_token"], "confirm_count": 2})
    assert wrong.status_code == 409 and wrong.json()["code"] == "count_changed"
    # Another reviewer opens one of them: it is no longer the previewed set.
    sales = [i for i in items_of(db) if i.source == "sales_note"]
    pm2.item(sales[0].id)
    stale = pm.post("/bulk", body | {"confirm_token": preview["confirm_token"], "confirm_count": 3})
    assert stale.status_code == 409
    preview = pm.ok(pm.post("/bulk/preview", body))
    assert preview["count"] == 2
    done = pm.ok(pm.post("/bulk", body | {"confirm_token": preview["confirm_token"],
                                          "confirm_count": 2}))  # fmt: skip
    assert (done["done"], done["skipped"]) == (2, 0)
    rows = items_of(db)
    assert sorted(i.status for i in rows) == ["pending", "pending", "pending", "rejected",
                                              "rejected"]  # fmt: skip
    batch = db.scalars(select(ReviewDecision.batch_id).where(ReviewDecision.action == "reject"))
    assert set(batch) == {done["batch_id"]}
    assert all(i.version == 2 for i in rows if i.status == "rejected")


def test_bulk_relabel_by_ids(db, pm):
    for n in range(3):
        feedback(db, f"Unsure {n}", uncertainty=0.9)
    pm.ok(pm.post("/sync"))
    ids = [i.id for i in items_of(db)][:2]
    body = {"action": "relabel", "ids": ids, "kind": "bug"}
    preview = pm.ok(pm.post("/bulk/preview", body))
    done = pm.ok(pm.post("/bulk", body | {"confirm_token": preview["confirm_token"],
                                          "confirm_count": preview["count"]}))  # fmt: skip
    assert done["done"] == 2
    assert sorted((i.kind, i.status) for i in items_of(db)) == [
        ("bug", "relabelled"), ("bug", "relabelled"), ("feature_request", "pending"),
    ]  # fmt: skip
    assert pm.post("/bulk/preview", {"action": "relabel", "ids": ids}).status_code == 422


def test_bulk_accept_keeps_candidates_where_they_are_and_confirms_labels(db, pm):
    sso = feedback(db, "We need SSO with Okta.", statements=["Support SSO with Okta"])
    feedback(db, "Unsure what this is", uncertainty=0.9, kind="question", themes=["billing"])
    pm.ok(pm.post("/sync"))
    body = {"action": "accept", "filter": {}}
    preview = pm.ok(pm.post("/bulk/preview", body))
    done = pm.ok(pm.post("/bulk", body | {"confirm_token": preview["confirm_token"],
                                          "confirm_count": preview["count"]}))  # fmt: skip
    assert (preview["count"], done["done"]) == (2, 2)
    assert sorted(i.status for i in items_of(db)) == ["accepted", "accepted"]
    db.expire_all()
    confirmed = {
        (d.subject_type, d.field): d.value
        for d in db.scalars(select(ReviewDecision).where(ReviewDecision.action == "accept"))
    }
    assert confirmed[("feedback", "kind")] == "question"
    assert confirmed[("feedback", "themes")] == ["billing"]
    [link] = [d for d in db.scalars(select(ReviewDecision)) if d.field == "requirement"]
    assert link.value == link.before and link.feedback_id == sso.id
