"""POST /v1/feedback/batch."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from feedback_ai.feedback.models import Feedback, Prediction
from tests.factories import count_rows, feedback_payload, headers


class TestCreateFeedbackBatch:
    """Up to 1,000 items, each with its own result or error."""

    def test_partial_success_is_explicit(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        items = [
            feedback_payload(),
            {"text": "", "source": "survey"},
            feedback_payload(),
            {"text": "ok", "source": "pager"},
            feedback_payload(text="x" * 20_001),
        ]
        r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
        assert r.status_code == 200, r.text
        data = r.json()
        assert (data["created"], data["replayed"], data["failed"]) == (2, 0, 3)
        assert [x["status"] for x in data["results"]] == [
            "created",
            "error",
            "created",
            "error",
            "error",
        ]
        assert [x["index"] for x in data["results"]] == [0, 1, 2, 3, 4]
        assert data["results"][1]["error"]["errors"][0]["field"] == "text"
        assert data["results"][3]["error"]["errors"][0]["field"] == "source"
        assert data["results"][4]["error"]["errors"][0]["field"] == "text"
        assert count_rows(engine, Feedback) == 2
        assert count_rows(engine, Prediction) == 2
        with_ids = {x["feedback"]["id"] for x in data["results"] if x["feedback"]}
        with engine.connect() as conn:
            stored = {r[0] for r in conn.exec_driver_sql("SELECT id FROM feedback")}
        assert with_ids == stored

    def test_replays_and_duplicates_inside_the_batch(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        old = feedback_payload()
        client.post("/v1/feedback", json=old, headers=headers(ingest_key))
        dup = feedback_payload()
        items = [old, dup, dup, {**old, "text": "changed"}, {**dup, "text": "changed too"}]
        r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
        results = r.json()["results"]
        assert [x["status"] for x in results] == [
            "replayed",
            "created",
            "replayed",
            "error",
            "error",
        ]
        assert results[1]["feedback"]["id"] == results[2]["feedback"]["id"]
        assert results[3]["error"]["code"] == "conflict"
        assert count_rows(engine, Feedback) == 2

    def test_a_thousand_items_are_accepted(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        items = [feedback_payload(external_id=f"k-{i}") for i in range(1000)]
        r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
        assert r.status_code == 200 and r.json()["created"] == 1000
        assert count_rows(engine, Feedback) == 1000

    def test_over_a_thousand_items_is_refused(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        items = [{"text": "hi", "source": "other"}] * 1001
        r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "items"
        assert count_rows(engine, Feedback) == 0

    def test_empty_batch_and_wrong_shape(self, client: TestClient, ingest_key: str) -> None:
        for body in ({"items": []}, {"items": "nope"}, {}, {"items": None}):
            r = client.post("/v1/feedback/batch", json=body, headers=headers(ingest_key))
            assert r.status_code == 422, body
            assert r.json()["errors"][0]["field"].startswith("items")

    def test_an_item_that_is_not_an_object_fails_alone(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        items = [None, feedback_payload(), 3, "text", [feedback_payload()], True]
        r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
        assert r.status_code == 200, r.text
        data = r.json()
        assert (data["created"], data["failed"]) == (1, 5)
        assert [x["status"] for x in data["results"]] == ["error", "created"] + ["error"] * 4
        kinds = ["a number", "a string", "an array", "a boolean"]
        for result, kind in zip(data["results"][2:], kinds, strict=True):
            assert f"got {kind}" in result["error"]["message"]
        first = data["results"][0]["error"]
        assert first["code"] == "validation_error" and "null" in first["message"]
        assert first["errors"] == [
            {"field": "item", "message": first["message"], "type": "model_type"}
        ]
        assert count_rows(engine, Feedback) == 1

    def test_reviewer_may_not_post(self, client: TestClient, reviewer_key: str) -> None:
        r = client.post(
            "/v1/feedback/batch",
            json={"items": [feedback_payload()]},
            headers=headers(reviewer_key),
        )
        assert r.status_code == 403
