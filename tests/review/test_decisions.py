"""Model suggestions stay apart from human decisions; relinks and retrains never overwrite one."""

from __future__ import annotations

from sqlalchemy import select

from feedback_ai.feedback.models import Prediction
from feedback_ai.requirements import service as requirements
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.decisions import decisions_for_training
from feedback_ai.review.models import ReviewDecision
from tests.api.domain_fixtures import retrain
from tests.review.conftest import feedback, items_of

SSO = ("We need SSO with Okta before rollout.", "Support SSO with Okta")
SSO2 = ("Please add single sign-on via Okta for our team.", "Add single sign-on via Okta")
PDF = ("Could you let us export reports as PDF?", "Export reports as PDF")


def _req_of(db, feedback_id):
    db.expire_all()
    return db.scalars(
        select(RequirementEvidence.requirement_id).where(
            RequirementEvidence.feedback_id == feedback_id
        )
    ).all()


def test_a_theme_a_pm_removed_stays_removed_after_relinks(db, pm):
    a = feedback(db, SSO[0], statements=[SSO[1]], themes=["security", "integrations"])
    [req_id] = _req_of(db, a.id)
    r = pm.client.patch(f"/v1/requirements/{req_id}", json={"themes": ["integrations"]},
                        headers=pm.headers)  # fmt: skip
    assert r.status_code == 200 and r.json()["themes"] == ["integrations"]

    # A paraphrase tagged 'security' joins the same requirement, then everything is relinked.
    b = feedback(db, SSO2[0], statements=[SSO2[1]], themes=["security"])
    assert _req_of(db, b.id) == [req_id]
    requirements.relink_all(session=db)
    db.expire_all()
    req = db.get(Requirement, req_id)
    assert req.themes == ["integrations"]  # the decision is shown
    assert req.suggested_themes == ["integrations", "security"]  # the model still suggests it
    [decision] = db.scalars(select(ReviewDecision).where(ReviewDecision.field == "themes")).all()
    assert (decision.subject_type, decision.subject_id, decision.value) == (
        "requirement", req_id, ["integrations"],
    )  # fmt: skip
    assert sorted(decision.before) == ["integrations", "security"]
    assert (decision.decided_by, decision.decided_role) == ("pm-ann", "reviewer")
    assert pm.client.get(f"/v1/requirements/{req_id}", headers=pm.headers).json()["themes"] == [
        "integrations"
    ]


def test_a_candidate_a_pm_moved_stays_there_through_relink_and_retrain(db, pm):
    a = feedback(db, SSO[0], statements=[SSO[1]])
    b = feedback(db, PDF[0], statements=[PDF[1]])
    [sso_req], [pdf_req] = _req_of(db, a.id), _req_of(db, b.id)
    assert sso_req != pdf_req
    pm.ok(pm.post("/sync"))
    [item] = [i for i in items_of(db, item_type="candidate") if i.feedback_id == a.id]
    pm.ok(pm.act(item.id, "merge", requirement_id=pdf_req))
    assert _req_of(db, a.id) == [pdf_req]

    requirements.relink_all(session=db)
    assert _req_of(db, a.id) == [pdf_req]

    # A new model version predicts the same sentence again (a new candidate row, shifted span).
    retrain(db, db.get(type(a), a.id), [SSO[1]], version="v2")
    requirements.link_candidates(session=db, feedback_id=a.id)
    assert set(_req_of(db, a.id)) == {pdf_req}
    # ...and the queue does not ask about the sentence again.
    report = pm.ok(pm.post("/sync"))
    assert report["added"] == 0
    assert [i.status for i in items_of(db, feedback_id=a.id)] == ["accepted"]


def test_a_rejected_candidate_gets_no_evidence_after_a_retrain(db, pm):
    a = feedback(db, SSO[0], statements=[SSO[1]])
    pm.ok(pm.post("/sync"))
    [item] = items_of(db, item_type="candidate")
    pm.ok(pm.act(item.id, "reject", reason="not_a_requirement"))
    assert _req_of(db, a.id) == []
    retrain(db, db.get(type(a), a.id), [SSO[1]], version="v2")
    requirements.relink_all(session=db)
    assert _req_of(db, a.id) == []


def test_a_relabel_survives_a_new_prediction_and_training_reads_the_latest(db, pm):
    a = feedback(db, PDF[0], uncertainty=0.9, kind="feature_request", themes=["reporting"])
    pm.ok(pm.post("/sync"))
    [item] = items_of(db, item_type="feedback")
    pm.ok(pm.act(item.id, "relabel", kind="question"))
    pm.ok(pm.act(item.id, "relabel", kind="bug", themes=["export", "reporting"]))
    retrain(db, db.get(type(a), a.id), [], version="v2")
    shown = pm.item(item.id)
    assert (shown["kind"], shown["themes"]) == ("bug", ["export", "reporting"])
    suggested = {s["field"]: s for s in shown["suggestions"]}
    assert suggested["kind"]["value"] == "feature_request"
    assert suggested["kind"]["model_version"] == "v2"
    # The model's rows are untouched.
    db.expire_all()
    assert {p.kind for p in db.scalars(select(Prediction))} == {"feature_request"}

    latest = {(d.subject_id, d.field): d.value for d in decisions_for_training(session=db)}
    assert latest[(a.id, "kind")] == "bug"
    assert latest[(a.id, "themes")] == ["export", "reporting"]
    # The superseded label is kept, pointing at the one that replaced it.
    kinds = db.scalars(
        select(ReviewDecision).where(ReviewDecision.field == "kind").order_by(ReviewDecision.id)
    ).all()
    assert [k.value for k in kinds] == ["question", "bug"]
    assert kinds[0].superseded_by == kinds[1].id and kinds[1].superseded_by is None


def test_the_decisions_table_pages_and_filters(db, pm):
    feedback(db, PDF[0], uncertainty=0.9)
    pm.ok(pm.post("/sync"))
    [item] = items_of(db, item_type="feedback")
    pm.ok(pm.act(item.id, "relabel", kind="question"))
    pm.ok(pm.act(item.id, "relabel", kind="bug"))
    every = pm.ok(pm.get("/decisions"))
    assert [d["field"] for d in every["items"]] == ["kind", "status", "kind"]
    assert every["active_total"] == 2 and every["next_after"] is None
    kinds = pm.ok(pm.get("/decisions", field="kind", active="true"))["items"]
    assert [(d["value"], d["before"], d["decided_by"]) for d in kinds] == [
        ("bug", "question", "pm-ann")
    ]
    first = pm.ok(pm.get("/decisions", limit=1))
    rest = pm.ok(pm.get("/decisions", after=first["next_after"]))["items"]
    assert [d["id"] for d in first["items"] + rest] == [d["id"] for d in every["items"]]
    assert pm.get("/decisions", after="x").status_code == 422
