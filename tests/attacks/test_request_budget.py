"""Bounded work per request (issue 12, item 2): texts are measured after Unicode normalisation, and
a request's texts share one character budget; over it is a clear 422 or 413, nothing stored."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from feedback_ai.feedback.models import Feedback
from feedback_ai.ml.text.pii import mask_pii
from tests.factories import count_rows, feedback_payload, headers

# U+FDFA is one character that NFKC expands to 18: 1,200 of them are 21,600 characters.
EXPANDING = "\ufdfa" * 1_200


def test_nfkc_expansion_counts_against_the_text_limit(
    client: TestClient, ingest_key: str, engine: Engine
) -> None:
    assert len(mask_pii(EXPANDING)) == 18 * 1_200  # what would have been stored
    r = client.post(
        "/v1/feedback", json=feedback_payload(text=EXPANDING), headers=headers(ingest_key)
    )
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == "text" and "21600 characters" in error["message"]
    assert "NFKC" in error["message"]
    assert count_rows(engine, Feedback) == 0


def test_nfkc_expansion_in_classify_and_batch(client: TestClient, ingest_key: str) -> None:
    r = client.post(
        "/v1/classify",
        json={"items": [{"text": "fine"}, {"text": EXPANDING}]},
        headers=headers(ingest_key),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items[1].text", r.text
    items = [feedback_payload(), feedback_payload(text=EXPANDING)]
    r = client.post("/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key))
    assert [x["status"] for x in r.json()["results"]] == ["created", "error"], r.text


def test_short_expanding_text_within_the_limit_is_accepted(
    client: TestClient, ingest_key: str
) -> None:
    r = client.post(
        "/v1/feedback",
        json=feedback_payload(text="Thanks \ufdfa for the fix"),
        headers=headers(ingest_key),
    )
    assert r.status_code == 201, r.text


@pytest.fixture
def small_budget(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> int:
    """A 30,000-character request budget, so a test can exceed it with a small body."""
    app = client.app
    update = {"max_request_chars": 30_000}
    monkeypatch.setattr(app.state, "settings", app.state.settings.model_copy(update=update))
    return 30_000


@pytest.mark.parametrize("path", ["/v1/classify", "/v1/feedback/batch"])
def test_request_over_the_character_budget_is_413(
    client: TestClient, ingest_key: str, engine: Engine, small_budget: int, path: str
) -> None:
    """Every text is under its own limit, but together they are over the request's budget."""
    text = "The export is slow. " * 500  # 10,000 characters
    items = [feedback_payload(text=text) for _ in range(4)]
    if path == "/v1/classify":
        items = [{"text": i["text"]} for i in items]
    r = client.post(path, json={"items": items}, headers=headers(ingest_key))
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "request_too_large" and "40000" in r.json()["message"]
    assert count_rows(engine, Feedback) == 0
    r = client.post(path, json={"items": items[:3]}, headers=headers(ingest_key))
    assert r.status_code == 200, r.text
