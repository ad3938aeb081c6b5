"""The OpenAPI schema tells the truth (issue 12, item 6); the full check is
tests/api/test_openapi_fuzz.py (schemathesis, every check). These pin the mismatches it found."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import feedback_payload, headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/feedback", {"GET", "POST"}),
        ("OPTIONS", "/v1/keys", {"GET", "POST"}),
        ("GET", "/v1/feedback/batch", {"POST"}),
        ("PUT", "/v1/feedback/batch", {"POST"}),
        ("POST", "/v1/taxonomy", {"GET"}),
    ],
)
def test_405_lists_every_method_of_the_path(
    client: TestClient, admin_key: str, method: str, path: str, allow: set[str]
) -> None:
    r = client.request(method, path, headers=headers(admin_key))
    assert r.status_code == 405, r.text
    assert set(r.headers["allow"].replace(" ", "").split(",")) - {"HEAD"} == allow
    assert r.json()["code"] == "method_not_allowed"


def _schema(client: TestClient, name: str) -> dict:
    return client.get("/openapi.json").json()["components"]["schemas"][name]["properties"]


@pytest.mark.parametrize(("model", "field"), [("FeedbackCreate", "text"), ("ClassifyItem", "text"),
                                              ("ProposalRename", "name")])  # fmt: skip
def test_text_schema_refuses_what_the_server_refuses(
    client: TestClient, model: str, field: str
) -> None:
    """minLength and a pattern: blank, invisible-only and NUL-holding text are schema-invalid."""
    prop = _schema(client, model)[field]
    assert prop["minLength"] == 1
    pattern = re.compile(prop["pattern"])
    for refused in ["", "   ", "\u200b\u200d", "\x01\x02", "ok\x00"]:
        assert not pattern.search(refused), repr(refused)
    for accepted in ["ok", " \u200bok ", "é", "\U0001f600"]:
        assert pattern.search(accepted), repr(accepted)


def test_dates_schema_states_the_accepted_years(client: TestClient, ingest_key: str) -> None:
    pattern = re.compile(_schema(client, "FeedbackCreate")["received_at"]["anyOf"][0]["pattern"])
    for when, status in [("2026-11-20T09:30:00Z", 201), ("1969-12-31T23:00:00Z", 422),
                         ("2100-01-01T00:00:00Z", 422), ("1970-01-01T00:00:00+05:00", 201)]:  # fmt: skip
        assert bool(pattern.search(when)) == (status == 201), when
        r = client.post(
            "/v1/feedback", json=feedback_payload(received_at=when), headers=headers(ingest_key)
        )
        assert r.status_code == status, (when, r.text)


@pytest.mark.parametrize("when", [1732000000, 1.5e9, "1732000000"])
def test_numbers_are_not_dates(client: TestClient, ingest_key: str, when: object) -> None:
    """The schema says an ISO 8601 string; a Unix timestamp was silently accepted."""
    r = client.post(
        "/v1/feedback", json=feedback_payload(received_at=when), headers=headers(ingest_key)
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_at", r.text
