"""Requirements API: grouping of stored candidates, stable ids, aggregates, priority, edits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from feedback_ai.requirements import service
from feedback_ai.requirements.index import reset_index
from feedback_ai.requirements.linking import link_new_feedback
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from tests.api.domain_fixtures import NOW, add_feedback, body, db, domain_client, retrain  # noqa: F401
from tests.factories import headers, make_key

SSO = [
    ("We need SSO with Okta before rollout.", "Support SSO with Okta"),
    ("Please add single sign-on via Okta for our team.", "Add single sign-on via Okta"),
    ("Okta SSO is a must for security.", "Okta SSO"),
]
PDF = ("Could you let us export reports as PDF?", "Export reports as PDF")


def link_all(db, rows) -> None:  # noqa: F811
    for row in rows:
        service.link_candidates(session=db, feedback_id=row.id)


def seed(db):  # noqa: F811
    """Three SSO asks (one account twice) and one PDF ask."""
    rows = [
        add_feedback(db, SSO[0][0], statements=[SSO[0][1]], account="acme", arr=50_000,
                     received_at=NOW - timedelta(days=40)),
        add_feedback(db, SSO[1][0], statements=[SSO[1][1]], account="acme", arr=60_000,
                     received_at=NOW - timedelta(days=2), source="sales_note"),
        add_feedback(db, SSO[2][0], statements=[SSO[2][1]], account="globex", arr=200_000,
                     received_at=NOW - timedelta(days=1), kind="complaint", themes=["security"]),
        add_feedback(db, PDF[0], statements=[PDF[1]], account="initech", arr=5_000,
                     received_at=NOW - timedelta(days=3)),
    ]  # fmt: skip
    link_all(db, rows)
    return rows


class TestLinking:
    def test_paraphrases_share_a_requirement_and_distinct_asks_do_not(self, db):  # noqa: F811
        seed(db)
        reqs = db.scalars(select(Requirement).order_by(Requirement.title)).all()
        assert sorted(r.title for r in reqs) == ["Export reports as PDF", "Support SSO with Okta"]
        sso = next(r for r in reqs if "SSO" in r.title)
        assert (
            db.scalar(select(func.count()).where(RequirementEvidence.requirement_id == sso.id)) == 3
        )
        assert sso.themes == ["security"]

    def test_one_failing_item_does_not_stop_the_others(self, db, monkeypatch):  # noqa: F811
        rows = [add_feedback(db, text, statements=[s]) for text, s in [*SSO[:2], PDF]]
        real = service.link_candidates

        def flaky(*, session, feedback_id, config=None):
            if feedback_id == rows[0].id:
                raise ValueError("not a database error")
            return real(session=session, feedback_id=feedback_id, config=config)

        monkeypatch.setattr(service, "link_candidates", flaky)
        factory = sessionmaker(db.get_bind())
        assert link_new_feedback(sessionmaker=factory, feedback_ids=[r.id for r in rows]) == 2
        linked = db.scalars(select(RequirementEvidence.feedback_id)).all()
        assert sorted(linked) == sorted([rows[1].id, rows[2].id])

    def test_batch_returns_the_rows_it_stored(self, db):  # noqa: F811
        rows = [add_feedback(db, t, statements=[s], themes=["security"]) for t, s in [*SSO, PDF]]
        linked = service.link_batch(session=db, feedback_ids=[r.id for r in rows]).linked
        stored = db.scalars(select(RequirementEvidence).order_by(RequirementEvidence.id)).all()
        assert linked == len(stored) == 4
        assert [e.feedback_id for e in stored] == [r.id for r in rows]  # ids in placement order
        assert [e.created_at for e in stored] == sorted(e.created_at for e in stored)
        reqs = db.scalars(select(Requirement).order_by(Requirement.title)).all()
        assert [(r.title, r.status, r.merged_into, r.themes, r.suggested_title,
                 r.suggested_themes) for r in reqs] == [
            ("Export reports as PDF", "proposed", None, ["security"], "Export reports as PDF",
             ["security"]),
            ("Support SSO with Okta", "proposed", None, ["security"], "Support SSO with Okta",
             ["security"]),
        ]  # fmt: skip
        assert all(r.created_at is not None and r.updated_at is not None for r in reqs)
        late = add_feedback(db, "Okta SSO, please", statements=["Okta SSO please"])
        (ev,) = service.link_candidates(session=db, feedback_id=late.id)
        row = db.get(RequirementEvidence, ev.id)
        assert row is not None
        assert (row.requirement_id, row.feedback_id, row.candidate_id, row.statement,
                row.sentence, row.start, row.end, row.score) == (
            ev.requirement_id, ev.feedback_id, ev.candidate_id, ev.statement, ev.sentence,
            ev.start, ev.end, ev.score,
        )  # fmt: skip
        assert ev.requirement_id == reqs[1].id and 0 < ev.score < 1

    def test_linking_is_idempotent(self, db):  # noqa: F811
        rows = seed(db)
        assert service.link_candidates(session=db, feedback_id=rows[0].id) == []
        assert db.scalar(select(func.count()).select_from(RequirementEvidence)) == 4

    def test_ids_are_stable_across_a_retrain(self, db):  # noqa: F811
        rows = seed(db)
        before = {r.title: r.id for r in db.scalars(select(Requirement))}
        for row, statement in zip(rows, ["SSO via Okta", "Okta single sign-on", "SSO with Okta",
                                         "Export the reports to PDF"], strict=True):  # fmt: skip
            retrain(db, row, [statement], version="v2")
        reset_index(db)  # a new process after the retrain: the index is rebuilt from the tables
        assert service.relink_all(session=db).linked == 4  # matched to the rebuilt index
        after = {r.title: r.id for r in db.scalars(select(Requirement))}
        assert after == before
        assert service.relink_all(session=db).linked == 0
        extra = add_feedback(db, "SSO with Okta please", statements=["SSO with Okta"])
        service.link_candidates(session=db, feedback_id=extra.id)
        assert {r.id for r in db.scalars(select(Requirement))} == set(before.values())


class TestRead:
    def test_aggregates_count_an_account_once(self, db, domain_client):  # noqa: F811
        seed(db)
        token = make_key(db.get_bind(), "reviewer")
        page = body(domain_client.get("/v1/requirements", headers=headers(token)))
        assert page["total"] == 2
        top = page["items"][0]
        assert top["title"] == "Support SSO with Okta"  # more accounts, more ARR
        agg = top["aggregates"]
        assert agg["feedback_count"] == 3 and agg["distinct_accounts"] == 2
        assert agg["arr"] == 260_000  # acme at its latest ARR (60k) + globex 200k
        assert agg["by_source"] == {"sales_note": 1, "support_ticket": 2}
        assert agg["trend_30d"] == {"current": 2, "previous": 1, "change": 1.0}
        points = sum(c["points"] for c in top["priority"]["breakdown"])
        assert abs(points - top["priority"]["score"]) < 0.05

    def test_detail_has_evidence_spans_and_weekly_volume(self, db, domain_client):  # noqa: F811
        rows = seed(db)
        token = make_key(db.get_bind(), "reviewer")
        rid = db.scalar(select(Requirement.id).where(Requirement.title == "Export reports as PDF"))
        detail = body(domain_client.get(f"/v1/requirements/{rid}", headers=headers(token)))
        (ev,) = detail["evidence"]
        assert ev["feedback_id"] == rows[3].id
        assert PDF[0][ev["start"] : ev["end"]].startswith("export")
        assert sum(b["count"] for b in detail["weekly"]) == 1
        days = [b["start"] for b in detail["daily"]]
        assert len(days) == 30 and days == sorted(days)
        in_window = sum(b["count"] for b in detail["daily"])
        assert in_window == (1 if rows[3].received_at.date().isoformat() >= days[0] else 0)

    def test_filters_and_sort(self, db, domain_client):  # noqa: F811
        seed(db)
        h = headers(make_key(db.get_bind(), "reviewer"))
        get = lambda q: body(domain_client.get(f"/v1/requirements?{q}", headers=h))  # noqa: E731
        assert [i["title"] for i in get("account=initech")["items"]] == ["Export reports as PDF"]
        assert get("source=sales_note")["total"] == 1
        assert get("theme=security")["items"][0]["title"] == "Support SSO with Okta"
        assert get("status=shipped")["total"] == 0
        assert get("sort=recency")["items"][0]["title"] == "Support SSO with Okta"
        assert domain_client.get("/v1/requirements?sort=nope", headers=h).status_code == 422
        assert domain_client.get("/v1/requirements").status_code == 401


class TestEdit:
    def test_patch_and_merge(self, db, domain_client):  # noqa: F811
        seed(db)
        h = headers(make_key(db.get_bind(), "reviewer"))
        ids = {r.title: r.id for r in db.scalars(select(Requirement))}
        sso, pdf = ids["Support SSO with Okta"], ids["Export reports as PDF"]
        change = {"status": "accepted", "title": "PDF export"}
        patched = body(domain_client.patch(f"/v1/requirements/{pdf}", headers=h, json=change))
        assert (patched["status"], patched["title"]) == ("accepted", "PDF export")
        bad = domain_client.patch(f"/v1/requirements/{pdf}", headers=h, json={"status": "merged"})
        assert bad.status_code == 422
        merged = body(domain_client.post(f"/v1/requirements/{pdf}/merge", headers=h,
                                         json={"into": sso}))  # fmt: skip
        assert merged["id"] == sso and merged["aggregates"]["feedback_count"] == 4
        source = body(domain_client.get(f"/v1/requirements/{pdf}", headers=h))
        assert (source["status"], source["merged_into"]) == ("merged", sso)
        again = domain_client.post(f"/v1/requirements/{pdf}/merge", headers=h, json={"into": sso})
        assert again.status_code == 409
        late = add_feedback(db, "PDF export of reports", statements=["Export reports to PDF"])
        (ev,) = service.link_candidates(session=db, feedback_id=late.id)
        assert ev.requirement_id == sso  # follows the merge

    def test_missing_requirement_is_404(self, db, domain_client):  # noqa: F811
        h = headers(make_key(db.get_bind(), "reviewer"))
        url = "/v1/requirements/0193a0f4-7c1e-7abc-8def-0123456789ab"
        assert domain_client.get(url, headers=h).status_code == 404
