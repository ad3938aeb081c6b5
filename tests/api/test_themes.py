"""Themes API: counts and trends, deterministic proposals, accept / rename / dismiss."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_ai.auth.models import AuditLog
from feedback_ai.themes.models import ThemeLabel
from tests.api.domain_fixtures import NOW, add_feedback, body, db, domain_client  # noqa: F401
from tests.factories import CALENDAR, INVOICES, headers, make_key

REFRESH = {"n_themes": 2, "min_size": 3}


def seed(db):  # noqa: F811
    for i, text in enumerate(INVOICES + CALENDAR):
        add_feedback(db, text, received_at=NOW - timedelta(days=i))


def test_proposals_are_deterministic(db, domain_client):  # noqa: F811
    seed(db)
    h = headers(make_key(db.get_bind(), "reviewer"))
    first = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    second = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    assert len(first["items"]) == 2
    assert first == second  # same data: same proposals, same ids
    listed = body(domain_client.get("/v1/themes/proposals", headers=h))
    assert [p["id"] for p in listed["items"]] == [p["id"] for p in first["items"]]
    for proposal in first["items"]:
        assert proposal["size"] == 6 and len(proposal["example_ids"]) == 3
        assert proposal["keywords"] and proposal["name"]


def test_accept_rename_keeps_theme_id_and_labels_items(db, domain_client):  # noqa: F811
    seed(db)
    h = headers(make_key(db.get_bind(), "reviewer"))
    admin = headers(make_key(db.get_bind(), "admin"))
    proposals = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    target = next(p for p in proposals["items"] if "vat" in " ".join(p["keywords"]).lower())
    url = f"/v1/themes/proposals/{target['id']}"
    accepted = body(
        domain_client.post(f"{url}/accept", headers=admin, json={"name": "VAT on invoices"})
    )
    theme_id = accepted["theme_id"]
    assert accepted["status"] == "accepted" and theme_id == "custom_vat_on_invoices"
    labels = db.scalars(select(ThemeLabel.feedback_id).where(ThemeLabel.theme_id == theme_id))
    assert sorted(labels) == sorted(target["feedback_ids"])
    rename = {"name": "Tax (VAT)"}
    renamed = body(domain_client.post(f"{url}/rename", headers=admin, json=rename))
    assert renamed["theme_id"] == theme_id
    actions = db.scalars(select(AuditLog.action).order_by(AuditLog.at)).all()
    assert actions[-2:] == ["theme.accept", "theme.rename"]
    themes = body(domain_client.get("/v1/themes", headers=h))["items"]
    stats = next(t for t in themes if t["id"] == theme_id)
    assert stats["name"] == "Tax (VAT)" and stats["custom"] and stats["count"] == 6
    assert stats["trend_30d"]["current"] == 6 and len(stats["weekly"]) == 12
    assert sum(b["count"] for b in stats["weekly"]) == 6
    assert len(stats["daily"]) == 30 and sum(b["count"] for b in stats["daily"]) == 6
    listed = body(domain_client.get(f"/v1/feedback?theme={theme_id}&limit=50", headers=h))
    assert sorted(i["id"] for i in listed["items"]) == sorted(target["feedback_ids"])
    again = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    assert all(p["fingerprint"] != target["fingerprint"] for p in again["items"])
    assert domain_client.post(f"{url}/dismiss", headers=h).status_code == 409


def test_dismissed_is_not_proposed_again(db, domain_client):  # noqa: F811
    seed(db)
    h = headers(make_key(db.get_bind(), "reviewer"))
    proposals = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    gone = proposals["items"][0]
    dismissed = body(domain_client.post(f"/v1/themes/proposals/{gone['id']}/dismiss", headers=h))
    assert dismissed["status"] == "dismissed"
    again = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    assert gone["fingerprint"] not in {p["fingerprint"] for p in again["items"]}
    listed = body(domain_client.get("/v1/themes/proposals?status=dismissed", headers=h))
    assert [p["id"] for p in listed["items"]] == [gone["id"]]
    url = f"/v1/themes/proposals/{gone['id']}/accept"
    assert (
        domain_client.post(url, headers=headers(make_key(db.get_bind(), "admin"))).status_code
        == 409
    )


def test_only_admins_change_the_taxonomy(db, domain_client):  # noqa: F811
    seed(db)
    h = headers(make_key(db.get_bind(), "reviewer"))
    proposals = body(domain_client.post("/v1/themes/proposals/refresh", headers=h, json=REFRESH))
    url = f"/v1/themes/proposals/{proposals['items'][0]['id']}"
    accept = domain_client.post(f"{url}/accept", headers=h, json={"name": "Tax"})
    rename = domain_client.post(f"{url}/rename", headers=h, json={"name": "Tax"})
    assert (accept.status_code, rename.status_code) == (403, 403)
    assert accept.json()["code"] == "forbidden" and "'admin'" in accept.json()["message"]
    listed = body(domain_client.get("/v1/themes/proposals", headers=h))["items"]
    assert [p["name"] for p in listed] == [p["name"] for p in proposals["items"]]
    assert all(p["status"] == "proposed" for p in listed)
    assert db.scalars(select(ThemeLabel)).all() == []


def test_theme_counts_and_emerging(db, domain_client):  # noqa: F811
    for day in range(7, 63, 14):
        add_feedback(
            db, "slow dashboards", themes=["performance"], received_at=NOW - timedelta(days=day)
        )
    for day in range(7):
        add_feedback(
            db, "dashboards are slow", themes=["performance"], received_at=NOW - timedelta(days=day)
        )
    h = headers(make_key(db.get_bind(), "reviewer"))
    items = body(domain_client.get("/v1/themes", headers=h))["items"]
    perf = next(t for t in items if t["id"] == "performance")
    assert perf["count"] == 11 and perf["emerging"]["emerging"]


def test_missing_proposal_is_404_and_auth_is_required(db, domain_client):  # noqa: F811
    h = headers(make_key(db.get_bind(), "reviewer"))
    url = "/v1/themes/proposals/0193a0f4-7c1e-7abc-8def-0123456789ab/dismiss"
    assert domain_client.post(url, headers=h).status_code == 404
    assert domain_client.get("/v1/themes").status_code == 401
