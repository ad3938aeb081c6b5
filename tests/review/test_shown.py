"""The product shows a PM's decision where one exists, else the model; rescores change neither."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_ai.feedback.models import Prediction
from feedback_ai.themes.models import ThemeLabel
from tests.api.domain_fixtures import NOW
from tests.review.conftest import feedback, items_of
from tests.review.rescoring import known_themes, rescore_all

CRASH = "The invoice page crashes when I export."


def _get(pm, path, **params):
    r = pm.client.get(f"/v1/feedback{path}", params=params, headers=pm.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _ids(pm, **params):
    return [i["id"] for i in _get(pm, "", **params)["items"]]


def _queued(db, pm, feedback_id, item_type="feedback"):
    pm.ok(pm.post("/sync"))
    [item] = items_of(db, feedback_id=feedback_id, item_type=item_type)
    return item


def test_a_relabel_is_shown_read_filtered_and_outlives_a_rescore(db, pm):
    known_themes(db, "billing", "reports")
    f = feedback(db, CRASH, kind="feature_request", themes=["billing"], uncertainty=0.9)
    shown = _get(pm, f"/{f.id}")
    assert (shown["kind"], shown["kind_source"], shown["kind_decided_by"]) == (
        "feature_request", "model", None,
    )  # fmt: skip
    assert [(t["id"], t["source"], t["score"]) for t in shown["themes"]] == [
        ("billing", "model", 0.8)
    ]
    item = _queued(db, pm, f.id)
    pm.ok(pm.act(item.id, "relabel", kind="bug", themes=["reports"]))

    shown = _get(pm, f"/{f.id}")
    assert (shown["kind"], shown["kind_source"], shown["kind_decided_by"]) == (
        "bug", "decision", "pm-ann",
    )  # fmt: skip
    assert shown["kind_decided_at"] is not None and shown["themes_source"] == "decision"
    assert [(t["id"], t["source"], t["decided_by"]) for t in shown["themes"]] == [
        ("reports", "decision", "pm-ann")
    ]
    assert shown["prediction"]["kind"] == "feature_request"  # the suggestion stays as it was
    assert _ids(pm, kind="bug") == [f.id] and _ids(pm, kind="feature_request") == []
    assert _ids(pm, theme="reports") == [f.id] and _ids(pm, theme="billing") == []

    # A new model scores the item again (a new prediction row, as `feedback-ai rescore` writes).
    report = rescore_all(db, version="v2", kind="question", themes=["billing"], uncertainty=0.95)
    assert report.rescored == 1
    shown = _get(pm, f"/{f.id}")
    assert (shown["prediction"]["model_version"], shown["prediction"]["kind"]) == ("v2", "question")
    assert (shown["kind"], shown["kind_source"]) == ("bug", "decision")
    assert [(t["id"], t["source"]) for t in shown["themes"]] == [("reports", "decision")]
    [listed] = _get(pm, "", kind="bug")["items"]
    assert (listed["id"], listed["kind_source"], listed["themes_source"]) == (
        f.id, "decision", "decision",
    )  # fmt: skip
    assert _ids(pm, kind="question") == [] and _ids(pm, theme="billing") == []

    # The queue does not ask again about what the PM decided.
    version = items_of(db, id=item.id)[0].version
    pm.ok(pm.post("/sync"))
    [after] = items_of(db, feedback_id=f.id, item_type="feedback")
    assert (after.id, after.status, after.version) == (item.id, "relabelled", version)
    assert (after.kind, after.themes) == ("bug", ["reports"])


def test_filters_page_on_the_shown_kind_with_the_cursor(db, pm):
    rows = [
        feedback(db, f"{CRASH} ({i})", kind="bug" if i % 2 else "feature_request",
                 uncertainty=0.9, received_at=NOW - timedelta(minutes=i))
        for i in range(6)
    ]  # fmt: skip
    pm.ok(pm.post("/sync"))
    items = {i.feedback_id: i for i in items_of(db, item_type="feedback")}
    pm.ok(pm.act(items[rows[0].id].id, "relabel", kind="bug"))  # predicted feature_request
    pm.ok(pm.act(items[rows[1].id].id, "relabel", kind="question"))  # predicted bug
    want = [rows[i].id for i in (0, 3, 5)]  # newest first
    got, cursor = [], None
    while True:
        page = _get(pm, "", kind="bug", limit=1, **({"cursor": cursor} if cursor else {}))
        got += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert got == want
    assert _ids(pm, kind="question") == [rows[1].id]
    assert _ids(pm, kind="feature_request") == [rows[2].id, rows[4].id]


def test_undo_shows_the_model_again(db, pm):
    f = feedback(db, CRASH, kind="feature_request", uncertainty=0.9)
    item = _queued(db, pm, f.id)
    pm.ok(pm.act(item.id, "relabel", kind="bug"))
    pm.ok(pm.act(item.id, "undo"))
    shown = _get(pm, f"/{f.id}")
    assert (shown["kind"], shown["kind_source"], shown["kind_decided_by"]) == (
        "feature_request", "model", None,
    )  # fmt: skip
    assert _ids(pm, kind="bug") == [] and _ids(pm, kind="feature_request") == [f.id]


def test_a_pending_item_follows_the_new_prediction(db, pm):
    known_themes(db, "billing", "reports")
    f = feedback(db, CRASH, kind="feature_request", themes=["billing"], uncertainty=0.6)
    item = _queued(db, pm, f.id)
    version = item.version
    rescore_all(db, version="v2", kind="question", themes=["reports"], uncertainty=0.8)
    report = pm.ok(pm.post("/sync"))
    assert (report["added"], report["refreshed"]) == (0, 1)
    current = db.scalars(
        select(Prediction.id).where(Prediction.feedback_id == f.id, Prediction.is_current)
    ).one()
    [after] = items_of(db, id=item.id)
    assert (after.status, after.prediction_id, after.kind, after.themes, after.uncertainty) == (
        "pending", current, "question", ["reports"], 0.8,
    )  # fmt: skip
    assert after.version == version + 1  # a reviewer holding the old view gets a 409
    assert [i["id"] for i in pm.ok(pm.get("/queue", theme="reports"))["items"]] == [item.id]
    assert pm.ok(pm.get("/queue", theme="billing"))["items"] == []
    view = pm.item(item.id)
    assert {s["field"]: s["value"] for s in view["suggestions"]}["kind"] == "question"

    # A model sure of the item takes it out of the queue; an unsure one later brings it back.
    rescore_all(db, version="v3", kind="question", themes=["reports"], uncertainty=0.1)
    assert pm.ok(pm.post("/sync"))["superseded"] == 1
    assert items_of(db, id=item.id)[0].status == "superseded"
    assert pm.act(item.id, "relabel", kind="bug").status_code == 409
    rescore_all(db, version="v4", kind="bug", themes=[], uncertainty=0.7)
    pm.ok(pm.post("/sync"))
    [back] = items_of(db, id=item.id)
    assert (back.status, back.kind, back.themes, back.uncertainty) == ("pending", "bug", [], 0.7)
    assert pm.ok(pm.post("/sync"))["refreshed"] == 0  # nothing new: nothing rewritten


def test_a_refresh_keeps_a_field_decided_through_another_item(db, pm):
    known_themes(db, "billing", "reports")
    f = feedback(db, CRASH, statements=["Fix invoice export"], kind="feature_request",
                 themes=["billing"], uncertainty=0.9)  # fmt: skip
    pm.ok(pm.post("/sync"))
    [cand] = items_of(db, feedback_id=f.id, item_type="candidate")
    [item] = items_of(db, feedback_id=f.id, item_type="feedback")
    pm.ok(pm.act(cand.id, "relabel", kind="bug"))  # through the candidate: the feedback item waits
    rescore_all(db, version="v2", kind="question", themes=["reports"], uncertainty=0.9)
    pm.ok(pm.post("/sync"))
    [after] = items_of(db, id=item.id)
    assert (after.status, after.kind, after.themes) == ("pending", "bug", ["reports"])


def test_counts_use_the_shown_values(db, pm):
    known_themes(db, "billing", "reports")
    statement = "Fix invoice export"
    a = feedback(db, CRASH, statements=[statement], themes=["billing"], account="acc-1")
    b = feedback(db, CRASH + " Again.", statements=[statement], themes=["billing"],
                 account="acc-2")  # fmt: skip
    pm.ok(pm.post("/sync"))
    [cand] = items_of(db, feedback_id=a.id, item_type="candidate")
    pm.ok(pm.act(cand.id, "relabel", kind="bug", themes=["reports"]))
    themes = pm.client.get("/v1/themes", headers=pm.headers).json()["items"]
    counts = {t["id"]: t["count"] for t in themes}
    assert (counts["billing"], counts["reports"]) == (1, 1)
    reqs = pm.client.get("/v1/requirements", headers=pm.headers).json()["items"]
    [req] = [r for r in reqs if r["aggregates"]["feedback_count"] == 2]
    assert req["aggregates"]["by_kind"] == {"bug": 1, "feature_request": 1}
    assert b.id  # b keeps the model's kind and themes


def test_a_proposal_label_is_shown_until_a_later_relabel(db, pm):
    known_themes(db, "billing", "custom_sso", "custom_new")
    f = feedback(db, CRASH, themes=["billing"], uncertainty=0.9)
    db.add(ThemeLabel(feedback_id=f.id, theme_id="custom_sso", created_at=NOW - timedelta(hours=1)))
    db.commit()
    shown = _get(pm, f"/{f.id}")
    assert [(t["id"], t["source"]) for t in shown["themes"]] == [
        ("billing", "model"), ("custom_sso", "decision"),
    ]  # fmt: skip
    assert _ids(pm, theme="custom_sso") == [f.id]
    item = _queued(db, pm, f.id)
    assert sorted(item.themes) == ["billing", "custom_sso"]  # the queue shows the same themes

    pm.ok(pm.act(item.id, "relabel", themes=["billing"]))  # the PM's list drops the label
    assert [(t["id"], t["source"]) for t in _get(pm, f"/{f.id}")["themes"]] == [
        ("billing", "decision")
    ]
    assert _ids(pm, theme="custom_sso") == [] and _ids(pm, theme="billing") == [f.id]
    db.add(ThemeLabel(feedback_id=f.id, theme_id="custom_new", created_at=NOW + timedelta(hours=1)))
    db.commit()  # a proposal accepted after the relabel adds its theme
    assert [t["id"] for t in _get(pm, f"/{f.id}")["themes"]] == ["billing", "custom_new"]
    counts = {
        t["id"]: t["count"] for t in pm.client.get("/v1/themes", headers=pm.headers).json()["items"]
    }
    assert (counts["billing"], counts["custom_sso"], counts["custom_new"]) == (1, 0, 1)
