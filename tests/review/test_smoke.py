from tests.review.conftest import feedback, items_of


def test_smoke(db, pm):
    feedback(
        db,
        "We need SSO with Okta before rollout.",
        statements=["Support SSO with Okta"],
        uncertainty=0.7,
        themes=["security"],
    )
    assert pm.ok(pm.post("/sync")) == {"added": 2, "superseded": 0}
    page = pm.ok(pm.get("/queue"))
    assert len(page["items"]) == 2, page
    cand = next(i for i in page["items"] if i["type"] == "candidate")
    out = pm.ok(pm.act(cand["id"], "reject", reason="spam", note="bot"))
    assert out["status"] == "rejected"
    out = pm.ok(pm.act(cand["id"], "undo"))
    assert out["status"] == "pending", out
    print(pm.ok(pm.get(f"/items/{cand['id']}/history")))
    assert items_of(db, item_type="candidate")[0].status == "pending"
