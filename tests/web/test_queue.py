"""The queue page and its actions through the session: CSRF, versions, conflicts, roles."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.review.models import ReviewItem
from feedback_ai.themes.models import ThemeProposal
from tests.web.conftest import login, sync


def _items(db: Session, **where: object) -> list[ReviewItem]:
    db.expire_all()
    return list(db.scalars(select(ReviewItem).filter_by(**where).order_by(ReviewItem.id)))


def test_queue_page_shows_the_evidence_span_and_the_suggested_requirement(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    seed("Hello team. We need SSO with Okta before rollout.", ["SSO with Okta"], account="Acme",
         arr=40_000.0)  # fmt: skip
    sync(db)
    login(ui, keys["reviewer"])
    html = ui.get("/ui/queue").text
    assert re.search(r"<mark>SSO with Okta before rollout.</mark>", html)
    assert "Suggested requirement" in html and "$40,000 ARR" in html
    assert 'src="/ui/static/queue.js"' in html


def test_accept_needs_csrf_and_the_current_version(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    seed("We need SSO with Okta.", ["SSO with Okta"])
    sync(db)
    item = _items(db, item_type="candidate")[0]
    csrf = login(ui, keys["reviewer"])
    url = f"/ui/queue/items/{item.id}/accept"
    assert ui.post(url, json={"version": item.version}).status_code == 403
    ok = ui.post(url, json={"version": item.version}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text
    assert (
        ok.json()["item"]["status"] == "accepted" and 'data-status="accepted"' in ok.json()["panel"]
    )
    rid = ok.json()["item"]["requirement"]["id"]
    trail = ui.get(f"/ui/requirements/{rid}").text.split('id="audit"')[1]
    assert (
        "Accepted: which requirement the evidence supports" in trail
        and "reviewer (reviewer)" in trail
    )
    stale = ui.post(f"/ui/queue/items/{item.id}/reject",
                    json={"version": item.version, "reason": "spam"},
                    headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["current"]["status"] == "accepted"
    assert 'data-status="accepted"' in stale.json()["panel"]
    undo = ui.post(f"/ui/queue/items/{item.id}/undo", json={"version": item.version + 1},
                   headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert undo.status_code == 200 and undo.json()["item"]["status"] == "pending"
    history = ui.get(f"/ui/queue/items/{item.id}/history",
                     headers={"Accept": "application/json"}).json()["items"]  # fmt: skip
    assert [d["action"] for d in history if d["field"] == "status"] == ["accept", "undo"]
    assert all(d["decided_by"] == "reviewer" for d in history)


def test_bad_bodies_are_422_not_500(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    seed("We need SSO with Okta.", ["SSO with Okta"])
    sync(db)
    item = _items(db, item_type="candidate")[0]
    csrf = login(ui, keys["reviewer"])
    h = {"X-CSRF-Token": csrf}
    bad = ui.post(f"/ui/queue/items/{item.id}/reject", json={"version": 1, "reason": "meh"},
                  headers=h)  # fmt: skip
    assert bad.status_code == 422
    assert ui.post(f"/ui/queue/items/{item.id}/explode", json={}, headers=h).status_code == 404


def test_a_reviewer_cannot_accept_a_theme_proposal_even_by_posting(
    ui: TestClient, keys: dict[str, str], db: Session
) -> None:
    db.add(ThemeProposal(fingerprint="a" * 32, name="VAT", keywords=["vat"], stems=["vat"],
                         feedback_ids=[], example_ids=[], size=6, cohesion=0.5))  # fmt: skip
    db.commit()
    sync(db)
    item = _items(db, item_type="theme_proposal")[0]
    csrf = login(ui, keys["reviewer"])
    assert "Only an admin can accept a theme" in ui.get("/ui/queue").text
    refused = ui.post(f"/ui/queue/items/{item.id}/accept", json={"version": item.version},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert refused.status_code == 403
    assert db.scalars(select(ThemeProposal)).one().status == "proposed"


def test_search_answers_for_the_merge_box(ui: TestClient, keys: dict[str, str], seed) -> None:
    seed("We need SSO with Okta.", ["SSO with Okta"])
    seed("Please add a dark mode.", ["Add a dark mode"])
    login(ui, keys["reviewer"])
    hits = ui.get("/ui/queue/search?q=dark", headers={"Accept": "application/json"}).json()
    assert [h["title"] for h in hits["items"]] == ["Add a dark mode"]
