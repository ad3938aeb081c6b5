"""Accept, reject, edit, merge, relabel, duplicate and undo, through the API, with their records."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback_ai.auth.models import AuditLog
from feedback_ai.feedback.models import CandidateRequirement
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.models import ReviewDecision, ReviewItemTheme
from feedback_ai.themes.models import CustomTheme, ThemeProposal
from tests.review.conftest import feedback, items_of

SSO = ("We need SSO with Okta before rollout.", "Support SSO with Okta")
PDF = ("Could you let us export reports as PDF?", "Export reports as PDF")


def _seed(db, pm):
    a = feedback(db, SSO[0], statements=[SSO[1]], themes=["security"])
    b = feedback(db, PDF[0], statements=[PDF[1]])
    pm.ok(pm.post("/sync"))
    by_fb = {i.feedback_id: i for i in items_of(db, item_type="candidate")}
    return by_fb[a.id], by_fb[b.id]


def _evidence(db, candidate_id):
    db.expire_all()
    return db.scalars(
        select(RequirementEvidence.requirement_id).where(
            RequirementEvidence.candidate_id == candidate_id
        )
    ).all()


def test_ingest_keys_cannot_review(db, pm, ingest):
    sso, _ = _seed(db, pm)
    assert ingest.get("/queue").status_code == 403
    assert ingest.post(f"/items/{sso.id}/accept", {"version": 1}).status_code == 403
    assert pm.client.get("/v1/review/queue").status_code == 401
    assert items_of(db, id=sso.id)[0].status == "pending"


def test_accept_into_suggested_chosen_or_new_requirement(db, pm):
    sso, pdf = _seed(db, pm)
    [suggested] = _evidence(db, sso.subject_id)
    out = pm.ok(pm.act(sso.id, "accept"))
    assert out["status"] == "accepted" and out["requirement"]["id"] == suggested
    assert _evidence(db, sso.subject_id) == [suggested]

    [pdf_req] = _evidence(db, pdf.subject_id)
    out = pm.ok(pm.act(pdf.id, "accept", requirement_id=suggested))  # re-decided: moved
    assert out["requirement"]["id"] == suggested and _evidence(db, pdf.subject_id) == [suggested]
    out = pm.ok(pm.act(pdf.id, "accept", new_requirement=True, title="PDF reports"))
    new_id = out["requirement"]["id"]
    assert new_id not in (suggested, pdf_req) and out["requirement"]["title"] == "PDF reports"
    assert db.get(Requirement, new_id).title == "PDF reports"
    assert _evidence(db, pdf.subject_id) == [new_id]
    links = db.scalars(select(ReviewDecision).where(ReviewDecision.field == "requirement")
                       .order_by(ReviewDecision.decided_at, ReviewDecision.id)).all()  # fmt: skip
    assert [(d.before, d.value) for d in links if d.item_id == pdf.id] == [
        (pdf_req, suggested), (suggested, new_id),
    ]  # fmt: skip
    bad = pm.act(pdf.id, "accept", requirement_id="0193a0f4-7c1e-7abc-8def-0123456789ab")
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_requirement"


def test_reject_needs_a_listed_reason_and_removes_the_evidence(db, pm):
    sso, _ = _seed(db, pm)
    assert pm.act(sso.id, "reject", reason="because").status_code == 422
    out = pm.ok(pm.act(sso.id, "reject", reason="out_of_scope", note="not this year"))
    assert out["status"] == "rejected" and out["requirement"] is None
    assert _evidence(db, sso.subject_id) == []
    status = db.scalars(select(ReviewDecision).where(ReviewDecision.field == "status")).one()
    assert (status.reason, status.note, status.decided_by) == ("out_of_scope", "not this year",
                                                               "pm-ann")  # fmt: skip
    assert db.scalar(select(func.count()).where(AuditLog.action == "review.reject")) == 1


def test_edit_statement_and_title_keep_the_suggestions(db, pm):
    sso, _ = _seed(db, pm)
    [req_id] = _evidence(db, sso.subject_id)
    out = pm.ok(pm.act(sso.id, "edit", statement="Single sign-on with Okta",
                       requirement_title="SSO (Okta, Azure AD)"))  # fmt: skip
    assert out["statement"] == "Single sign-on with Okta"
    assert out["requirement"]["title"] == "SSO (Okta, Azure AD)"
    db.expire_all()
    req = db.get(Requirement, req_id)
    assert (req.title, req.suggested_title) == ("SSO (Okta, Azure AD)", SSO[1])
    assert db.get(CandidateRequirement, sso.subject_id).statement == SSO[1]
    ev = db.scalars(select(RequirementEvidence).where(
        RequirementEvidence.candidate_id == sso.subject_id)).one()  # fmt: skip
    assert ev.statement == "Single sign-on with Okta"
    suggested = {s["field"]: s["value"] for s in out["suggestions"]}
    assert suggested["statement"] == SSO[1]
    assert pm.act(sso.id, "edit").status_code == 422


def test_merge_found_with_the_search_box(db, pm):
    sso, pdf = _seed(db, pm)
    [sso_req] = _evidence(db, sso.subject_id)
    hits = pm.ok(pm.get("/requirements", q="okta sso"))["items"]
    assert [h["id"] for h in hits] == [sso_req] and hits[0]["evidence_count"] == 1
    assert pm.ok(pm.get("/requirements", q="Supp"))["items"][0]["id"] == sso_req
    assert pm.ok(pm.get("/requirements", q="zzz"))["items"] == []
    out = pm.ok(pm.act(pdf.id, "merge", requirement_id=sso_req))
    assert out["requirement"] == {"id": sso_req, "title": SSO[1], "status": "proposed",
                                  "evidence_count": 2}  # fmt: skip


def test_relabel_kind_and_themes_of_the_feedback(db, pm):
    sso, _ = _seed(db, pm)
    out = pm.ok(pm.act(sso.id, "relabel", kind="complaint", themes=["security", "admin"]))
    assert (out["kind"], out["themes"]) == ("complaint", ["admin", "security"])
    assert out["status"] == "pending"  # a candidate still waits for accept or reject
    db.expire_all()
    assert sorted(db.scalars(select(ReviewItemTheme.theme_id).where(
        ReviewItemTheme.item_id == sso.id))) == ["admin", "security"]  # fmt: skip
    assert [i["id"] for i in pm.ok(pm.get("/queue", theme="admin"))["items"]] == [sso.id]
    assert pm.act(sso.id, "relabel", kind="weird").status_code == 422


def test_mark_duplicate(db, pm):
    sso, pdf = _seed(db, pm)
    out = pm.ok(pm.act(pdf.id, "duplicate", of=sso.id))
    assert (out["status"], out["duplicate_of"]) == ("duplicate", sso.id)
    assert pm.act(sso.id, "duplicate", of=sso.id).status_code == 422


def test_undo_the_last_action_and_any_single_decision(db, pm):
    sso, _ = _seed(db, pm)
    [req_id] = _evidence(db, sso.subject_id)
    pm.ok(pm.act(sso.id, "reject", reason="spam"))
    out = pm.ok(pm.act(sso.id, "undo"))
    assert out["status"] == "pending" and out["requirement"]["id"] == req_id
    assert _evidence(db, sso.subject_id) == [req_id]

    pm.ok(pm.act(sso.id, "relabel", kind="bug"))
    pm.ok(pm.act(sso.id, "relabel", themes=["billing"]))
    history = pm.ok(pm.get(f"/items/{sso.id}/history"))["items"]
    kind_decision = next(d for d in history if d["field"] == "kind")
    out = pm.ok(pm.act(sso.id, "undo", decision_id=kind_decision["id"]))
    assert (out["kind"], out["themes"]) == ("feature_request", ["billing"])
    again = pm.act(sso.id, "undo", decision_id=kind_decision["id"])
    assert again.status_code == 409 and again.json()["code"] == "already_undone"

    history = pm.ok(pm.get(f"/items/{sso.id}/history"))["items"]
    assert [d["action"] for d in history] == [
        "reject", "reject", "undo", "undo", "relabel", "relabel", "undo",
    ]  # fmt: skip
    first = history[0]
    assert {first["decided_by"], first["decided_role"]} == {"pm-ann", "reviewer"}
    assert all(d["decided_at"] for d in history)


def test_theme_proposals_need_an_admin_to_accept(db, pm, admin):
    prop = ThemeProposal(fingerprint="f", name="dark mode", keywords=["dark"], stems=["dark"],
                         feedback_ids=[], example_ids=[], size=5, cohesion=0.5)  # fmt: skip
    db.add(prop)
    db.commit()
    pm.ok(pm.post("/sync"))
    [item] = items_of(db, item_type="theme_proposal")
    r = pm.act(item.id, "accept")
    assert r.status_code == 403
    pm.ok(pm.post(f"/items/{item.id}/claim"))
    pm.client.delete(f"/v1/review/items/{item.id}/claim", headers=pm.headers)
    out = admin.ok(admin.act(item.id, "accept"))
    assert out["status"] == "accepted"
    assert db.scalars(select(CustomTheme.name)).all() == ["dark mode"]
