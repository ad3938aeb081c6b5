"""POST /v1/feedback."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from tests.factories import count_rows, feedback_payload, headers


class TestCreateFeedback:
    """Store and classify one item."""

    def test_new_item_is_stored_classified_and_acknowledged(
        self, client: TestClient, engine: Engine, ingest_key: str, model
    ) -> None:
        body = feedback_payload(text="The export is broken, please fix it. Call 555-123-4567.")
        r = client.post("/v1/feedback", json=body, headers=headers(ingest_key))
        assert r.status_code == 201, r.text
        data = r.json()
        pred = data["prediction"]
        assert pred["model_version"] == model.version
        assert pred["kind"] in model.kinds
        assert data["text"] is None  # only admins see the original
        assert "555-123-4567" not in data["masked_text"]
        with Session(engine) as s:
            row = s.get(Feedback, data["id"])
            assert row is not None
            assert row.text == body["text"]
            assert row.masked_text == data["masked_text"]
            assert (row.source, row.external_id, row.account_id) == (
                "support_ticket",
                body["external_id"],
                "acc-1",
            )
            assert row.arr == pytest.approx(12000.5)
            assert row.extra == {"priority": "high"}
            assert row.received_at.isoformat().startswith(body["received_at"][:19])
            stored = s.scalars(select(Prediction).where(Prediction.feedback_id == row.id)).one()
            assert stored.id == pred["id"]
            assert stored.model_version == model.version and stored.is_current
            themes = s.scalars(
                select(PredictionTheme.theme_id).where(PredictionTheme.prediction_id == stored.id)
            ).all()
            assert sorted(themes) == sorted(t["id"] for t in pred["themes"])
            cands = s.scalars(
                select(CandidateRequirement).where(CandidateRequirement.feedback_id == row.id)
            ).all()
            assert [c.id for c in cands] == [c["id"] for c in pred["candidates"]]

    def test_candidate_evidence_spans_point_into_the_texts(
        self, client: TestClient, ingest_key: str
    ) -> None:
        text = "Works fine mostly. Please add an export to Excel for the weekly report."
        r = client.post(
            "/v1/feedback", json=feedback_payload(text=text), headers=headers(ingest_key)
        )
        data = r.json()
        for cand in data["prediction"]["candidates"]:
            ev = cand["evidence"]
            assert data["masked_text"][ev["masked_start"] : ev["masked_end"]] == ev["text"]
            assert text[ev["start"] : ev["end"]].strip()

    def test_replay_answers_200_with_the_same_item_and_stores_nothing(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        body = feedback_payload()
        first = client.post("/v1/feedback", json=body, headers=headers(ingest_key))
        again = client.post("/v1/feedback", json=body, headers=headers(ingest_key))
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["prediction"]["id"] == first.json()["prediction"]["id"]
        assert count_rows(engine, Feedback) == 1
        assert count_rows(engine, Prediction) == 1

    def test_same_external_id_with_other_content_is_a_conflict(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        body = feedback_payload()
        client.post("/v1/feedback", json=body, headers=headers(ingest_key))
        r = client.post(
            "/v1/feedback",
            json={**body, "text": "Something else entirely"},
            headers=headers(ingest_key),
        )
        assert r.status_code == 409
        assert r.json()["code"] == "conflict" and body["external_id"] in r.json()["message"]
        assert count_rows(engine, Feedback) == 1

    def test_same_external_id_in_another_source_is_a_new_item(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        body = feedback_payload()
        client.post("/v1/feedback", json=body, headers=headers(ingest_key))
        r = client.post(
            "/v1/feedback", json={**body, "source": "survey"}, headers=headers(ingest_key)
        )
        assert r.status_code == 201
        assert count_rows(engine, Feedback) == 2

    def test_items_without_external_id_are_always_new(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        body = feedback_payload(external_id=...)
        for _ in range(2):
            assert (
                client.post("/v1/feedback", json=body, headers=headers(ingest_key)).status_code
                == 201
            )
        assert count_rows(engine, Feedback) == 2

    def test_admin_sees_the_original_text(self, client: TestClient, admin_key: str) -> None:
        body = feedback_payload(text="Mail me at jane@example.com about the invoice")
        r = client.post("/v1/feedback", json=body, headers=headers(admin_key))
        assert r.json()["text"] == body["text"]
        assert "jane@example.com" not in r.json()["masked_text"]

    def test_received_at_defaults_to_now_and_naive_means_utc(
        self, client: TestClient, ingest_key: str
    ) -> None:
        r = client.post(
            "/v1/feedback", json=feedback_payload(received_at=...), headers=headers(ingest_key)
        )
        assert r.json()["received_at"].startswith("20")
        r = client.post(
            "/v1/feedback",
            json=feedback_payload(received_at="2026-01-02T03:04:05"),
            headers=headers(ingest_key),
        )
        assert r.json()["received_at"] == "2026-01-02T03:04:05Z"


BAD_BODIES = [
    ("too long", {"text": "x" * 20_001}, "text"),
    ("empty", {"text": ""}, "text"),
    ("whitespace only", {"text": " \n\t "}, "text"),
    ("NUL byte", {"text": "a\x00b"}, "text"),
    ("missing text", {"text": ...}, "text"),
    ("missing source", {"source": ...}, "source"),
    ("unknown source", {"source": "fax"}, "source"),
    ("bad date", {"received_at": "2026-13-45"}, "received_at"),
    ("date out of range", {"received_at": "1900-01-01T00:00:00Z"}, "received_at"),
    ("unknown field", {"colour": "red"}, "colour"),
    ("negative arr", {"arr": -1}, "arr"),
    ("NUL in metadata", {"metadata": {"k": "a\x00"}}, "metadata"),
    ("huge metadata", {"metadata": {"k": "x" * 20_000}}, "metadata"),
    ("external id too long", {"external_id": "e" * 256}, "external_id"),
    ("text not a string", {"text": 42}, "text"),
]


class TestCreateFeedbackBadInput:
    """Every bad input gets a specific 4xx naming the field, and nothing is stored."""

    @pytest.mark.parametrize(
        ("case", "change", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES]
    )
    def test_rejected_with_the_field_named(
        self,
        client: TestClient,
        engine: Engine,
        ingest_key: str,
        case: str,
        change: dict,
        field: str,
    ) -> None:
        r = client.post(
            "/v1/feedback", json=feedback_payload(**change), headers=headers(ingest_key)
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "validation_error"
        assert field in [e["field"] for e in r.json()["errors"]]
        assert count_rows(engine, Feedback) == 0

    def test_invalid_utf8(self, client: TestClient, engine: Engine, ingest_key: str) -> None:
        raw = b'{"text": "caf\xe9 is down", "source": "other"}'
        r = client.post(
            "/v1/feedback",
            content=raw,
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 400
        assert r.json()["code"] == "invalid_utf8" and r.json()["errors"][0]["field"] == "body"
        assert count_rows(engine, Feedback) == 0

    def test_lone_surrogate_escape(self, client: TestClient, ingest_key: str) -> None:
        raw = b'{"text": "bad \\ud800 text", "source": "other"}'
        r = client.post(
            "/v1/feedback",
            content=raw,
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "text"

    def test_nan_is_refused(self, client: TestClient, ingest_key: str) -> None:
        raw = json.dumps({"text": "ok", "source": "other", "arr": float("nan")})
        r = client.post(
            "/v1/feedback",
            content=raw,
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "arr"

    def test_malformed_json(self, client: TestClient, ingest_key: str) -> None:
        r = client.post(
            "/v1/feedback",
            content=b'{"text": ',
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["code"] == "validation_error"

    def test_body_over_10_mb_by_content_length(self, client: TestClient, ingest_key: str) -> None:
        raw = b" " * (10 * 1024 * 1024 + 1)
        r = client.post(
            "/v1/feedback",
            content=raw,
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 413
        assert r.json()["code"] == "body_too_large" and r.json()["errors"][0]["field"] == "body"

    def test_body_over_10_mb_streamed_without_length(
        self, client: TestClient, ingest_key: str
    ) -> None:
        def chunks():
            for _ in range(11):
                yield b" " * (1024 * 1024)

        r = client.post(
            "/v1/feedback",
            content=chunks(),
            headers={**headers(ingest_key), "Content-Type": "application/json"},
        )
        assert r.status_code == 413


class TestCreateFeedbackAuth:
    """Who may post."""

    def test_no_key_is_401(self, client: TestClient) -> None:
        r = client.post("/v1/feedback", json=feedback_payload())
        assert r.status_code == 401 and r.json()["code"] == "missing_api_key"
        assert r.headers["WWW-Authenticate"] == "Bearer"

    def test_unknown_key_is_401(self, client: TestClient) -> None:
        r = client.post(
            "/v1/feedback", json=feedback_payload(), headers=headers("fai_0123456789ab_" + "x" * 43)
        )
        assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"

    def test_reviewer_is_403(self, client: TestClient, reviewer_key: str) -> None:
        r = client.post("/v1/feedback", json=feedback_payload(), headers=headers(reviewer_key))
        assert r.status_code == 403 and "reviewer" in r.json()["message"]

    def test_bearer_token_works(self, client: TestClient, ingest_key: str) -> None:
        r = client.post(
            "/v1/feedback",
            json=feedback_payload(),
            headers={"Authorization": f"Bearer {ingest_key}"},
        )
        assert r.status_code == 201
