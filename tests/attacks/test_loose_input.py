"""Loose input (issue 12, item 7): invisible-only text and numbers sent as other JSON types."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import feedback_payload

INVISIBLE = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u200d\ufeff\u2060",  # zero-width joiner, BOM, word joiner
    "\x01\x02\x1f\x7f",  # control characters
    " \u200b\t\x0b\u00ad ",  # whitespace mixed with invisible format characters
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_only_text_is_refused_like_whitespace(
    client: TestClient, ingest_key: str, text: str
) -> None:
    """Text that normalisation would reduce to nothing is a 422 naming `text`, and not stored."""
    r = client.post(
        "/v1/feedback", json=feedback_payload(text=text), headers={"X-API-Key": ingest_key}
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["text"]
    r = client.post(
        "/v1/classify", json={"items": [{"text": text}]}, headers={"X-API-Key": ingest_key}
    )
    assert r.status_code == 422, r.text


def test_invisible_only_item_fails_alone_in_a_batch(client: TestClient, ingest_key: str) -> None:
    """In a batch, the invisible-only item is an error at its index; the other is stored."""
    items = [feedback_payload(text="\u200b\u200c"), feedback_payload()]
    r = client.post("/v1/feedback/batch", json={"items": items}, headers={"X-API-Key": ingest_key})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["error", "created"]


def test_visible_text_around_invisible_characters_is_accepted(
    client: TestClient, ingest_key: str
) -> None:
    """One visible character is enough: the check refuses only what holds nothing to read."""
    r = client.post(
        "/v1/feedback",
        json=feedback_payload(text="\u200bSSO please\u200b"),
        headers={"X-API-Key": ingest_key},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("arr", [True, False, "48000", "4.8e4", [48000], {"v": 1}])
def test_arr_must_be_a_json_number(client: TestClient, ingest_key: str, arr: object) -> None:
    """`"arr": true` was stored as 1.0 and `"arr": "48000"` as 48000.0; both are 422 now."""
    r = client.post(
        "/v1/feedback", json=feedback_payload(arr=arr), headers={"X-API-Key": ingest_key}
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["arr"]


@pytest.mark.parametrize("arr", [48000, 48000.5, 0, None])
def test_arr_accepts_numbers_and_null(client: TestClient, ingest_key: str, arr: object) -> None:
    """Integers, decimals and null stay valid."""
    r = client.post(
        "/v1/feedback", json=feedback_payload(arr=arr), headers={"X-API-Key": ingest_key}
    )
    assert r.status_code == 201, r.text
    assert r.json()["arr"] == arr
