"""Closing the queue tab releases the open item's lease (POST /ui/queue/release, CSRF-checked)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.review.models import ReviewItem
from tests.web.conftest import login, sync


def _item(db: Session, item_id: str) -> ReviewItem:
    db.expire_all()
    return db.scalars(select(ReviewItem).where(ReviewItem.id == item_id)).one()


def test_release_frees_only_the_item_this_reviewer_holds(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    seed("We need SSO with Okta.", ["SSO with Okta"])
    sync(db)
    item_id = db.scalars(select(ReviewItem.id).where(ReviewItem.item_type == "candidate")).first()
    csrf = login(ui, keys["reviewer"])
    opened = ui.post(f"/ui/queue/items/{item_id}/open", json={}, headers={"X-CSRF-Token": csrf})
    assert opened.status_code == 200, opened.text
    assert _item(db, item_id).leased_by_key_id is not None
    assert ui.post("/ui/queue/release", json={"item_id": item_id}).status_code == 403  # no CSRF
    assert _item(db, item_id).leased_by_key_id is not None
    bad = ui.post("/ui/queue/release", json={"item_id": "x'; --"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422
    done = ui.post("/ui/queue/release", json={"item_id": item_id}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 204, done.text
    assert _item(db, item_id).leased_by_key_id is None

    # Another reviewer's lease stays: a release only gives up one's own.
    ui.post(f"/ui/queue/items/{item_id}/open", json={}, headers={"X-CSRF-Token": csrf})
    holder = _item(db, item_id).leased_by_key_id
    other = login(ui, keys["admin"])
    kept = ui.post("/ui/queue/release", json={"item_id": item_id}, headers={"X-CSRF-Token": other})
    assert kept.status_code == 204
    assert _item(db, item_id).leased_by_key_id == holder is not None


def test_the_queue_script_releases_on_pagehide(ui: TestClient) -> None:
    script = ui.get("/ui/static/queue.js").text
    assert '"pagehide"' in script and "keepalive: true" in script and "/release" in script
