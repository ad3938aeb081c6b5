"""POST /v1/classify and GET /v1/taxonomy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from feedback_ai.feedback.models import Feedback, Prediction
from feedback_ai.ml import FeedbackInput, predict
from tests.factories import count_rows, headers


class TestClassify:
    """Stateless classification."""

    def test_classifies_and_stores_nothing(
        self, client: TestClient, engine: Engine, ingest_key: str, model
    ) -> None:
        items = [
            {
                "text": "The app crashes when I upload a photo. Please fix it.",
                "source": "app_review",
            },
            {"text": "Love it"},
        ]
        r = client.post("/v1/classify", json={"items": items}, headers=headers(ingest_key))
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["model_version"] == model.version
        expected = predict(
            model, [FeedbackInput(text=i["text"], source=i.get("source", "other")) for i in items]
        )
        assert [x["kind"] for x in data["results"]] == [p.kind for p in expected]
        assert all(c["id"] is None for x in data["results"] for c in x["candidates"])
        assert count_rows(engine, Feedback) == 0 and count_rows(engine, Prediction) == 0

    def test_bad_items(self, client: TestClient, ingest_key: str) -> None:
        r = client.post(
            "/v1/classify",
            json={"items": [{"text": "ok"}, {"text": "  "}]},
            headers=headers(ingest_key),
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items[1].text"
        r = client.post(
            "/v1/classify", json={"items": [{"text": "a"}] * 1001}, headers=headers(ingest_key)
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items"

    def test_reviewer_may_not_classify(self, client: TestClient, reviewer_key: str) -> None:
        r = client.post(
            "/v1/classify", json={"items": [{"text": "hi"}]}, headers=headers(reviewer_key)
        )
        assert r.status_code == 403


class TestTaxonomy:
    """The kinds and themes."""

    def test_any_role_reads_the_model_taxonomy(
        self, client: TestClient, reviewer_key: str, ingest_key: str, model
    ) -> None:
        for key in (reviewer_key, ingest_key):
            r = client.get("/v1/taxonomy", headers=headers(key))
            assert r.status_code == 200
            assert [t["id"] for t in r.json()["themes"]] == model.taxonomy.ids
            assert r.json()["kinds"] == model.kinds

    def test_needs_a_key(self, client: TestClient) -> None:
        assert client.get("/v1/taxonomy").status_code == 401

    def test_accepted_custom_themes_follow_the_model_taxonomy(
        self, client: TestClient, reviewer_key: str, engine: Engine, model
    ) -> None:
        from sqlalchemy.orm import Session

        from feedback_ai.themes.models import CustomTheme

        with Session(engine) as session:
            session.add(CustomTheme(id="custom_vat", name="VAT on invoices", keywords=["vat"]))
            session.commit()
        themes = client.get("/v1/taxonomy", headers=headers(reviewer_key)).json()["themes"]
        assert [t["id"] for t in themes] == [*model.taxonomy.ids, "custom_vat"]
        assert themes[-1]["custom"] is True and not themes[0]["custom"]
        listing = client.get("/v1/feedback?theme=custom_vat", headers=headers(reviewer_key))
        assert listing.status_code == 200 and listing.json()["items"] == []
        unknown = client.get("/v1/feedback?theme=custom_nope", headers=headers(reviewer_key))
        assert unknown.status_code == 422
