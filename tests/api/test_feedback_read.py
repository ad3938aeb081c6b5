"""GET /v1/feedback/{id} and GET /v1/feedback."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories import feedback_payload, headers


def _post(client: TestClient, key: str, **kw: Any) -> dict[str, Any]:
    r = client.post("/v1/feedback", json=feedback_payload(**kw), headers=headers(key))
    assert r.status_code == 201, r.text
    return r.json()


class TestReadFeedback:
    """One item."""

    def test_reviewer_reads_the_item_masked(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        created = _post(client, ingest_key, text="Mail jane@example.com, the invoice is wrong")
        r = client.get(f"/v1/feedback/{created['id']}", headers=headers(reviewer_key))
        assert r.status_code == 200
        assert r.json() == created
        assert r.json()["text"] is None and "jane@" not in r.json()["masked_text"]

    def test_admin_reads_the_original(
        self, client: TestClient, ingest_key: str, admin_key: str
    ) -> None:
        created = _post(client, ingest_key, text="Mail jane@example.com, the invoice is wrong")
        r = client.get(f"/v1/feedback/{created['id']}", headers=headers(admin_key))
        assert r.json()["text"] == "Mail jane@example.com, the invoice is wrong"

    def test_unknown_id_is_404(self, client: TestClient, reviewer_key: str) -> None:
        r = client.get(
            "/v1/feedback/01a2139e-0783-70b7-8cef-ac1c2deac209", headers=headers(reviewer_key)
        )
        assert r.status_code == 404 and r.json()["code"] == "not_found"

    def test_malformed_id_is_422(self, client: TestClient, reviewer_key: str) -> None:
        r = client.get("/v1/feedback/not-an-id%00", headers=headers(reviewer_key))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "feedback_id"

    def test_ingest_key_may_not_read(self, client: TestClient, ingest_key: str) -> None:
        created = _post(client, ingest_key)
        r = client.get(f"/v1/feedback/{created['id']}", headers=headers(ingest_key))
        assert r.status_code == 403


class TestListFeedback:
    """Filters and cursor pagination."""

    @pytest.fixture
    def items(self, client: TestClient, engine: Engine, ingest_key: str) -> list[dict[str, Any]]:
        specs = [
            {
                "source": "survey",
                "text": "Please add dark mode to the dashboard",
                "received_at": "2026-01-01T00:00:00Z",
                "account_id": "acc-a",
            },
            {
                "source": "app_review",
                "text": "The iOS app crashes on launch, 100% of the time",
                "received_at": "2026-02-01T00:00:00Z",
                "account_id": "acc-b",
            },
            {
                "source": "support_ticket",
                "text": "Invoice was charged twice, refund please",
                "received_at": "2026-03-01T00:00:00Z",
                "account_name": "Acme",
            },
            {
                "source": "support_ticket",
                "text": "CSV export of the report times out",
                "received_at": "2026-03-01T00:00:00Z",
                "account_id": "acc-a",
            },
        ]
        return [_post(client, ingest_key, **s) for s in specs]

    def _list(self, client: TestClient, key: str, **params: Any) -> dict[str, Any]:
        r = client.get("/v1/feedback", params=params, headers=headers(key))
        assert r.status_code == 200, r.text
        return r.json()

    def test_newest_first_and_cursor_walks_every_item_once(
        self, client: TestClient, items: list[dict[str, Any]], reviewer_key: str
    ) -> None:
        seen, cursor = [], None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = self._list(client, reviewer_key, **params)
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(i["id"] for i in items) and len(seen) == len(set(seen))
        dates = [i["received_at"] for i in self._list(client, reviewer_key)["items"]]
        assert dates == sorted(dates, reverse=True)

    def test_filters(
        self, client: TestClient, items: list[dict[str, Any]], reviewer_key: str
    ) -> None:
        def ids(**params: Any) -> set[str]:
            return {i["id"] for i in self._list(client, reviewer_key, **params)["items"]}

        assert ids(source="support_ticket") == {items[2]["id"], items[3]["id"]}
        assert ids(account="acc-a") == {items[0]["id"], items[3]["id"]}
        assert ids(account="Acme") == {items[2]["id"]}
        assert ids(received_from="2026-02-01T00:00:00Z", received_to="2026-03-01T00:00:00Z") == {
            items[1]["id"]
        }
        assert ids(q="DARK MODE") == {items[0]["id"]}
        assert ids(q="100%") == {items[1]["id"]}
        assert ids(q="%") == {items[1]["id"]}
        for item in items:
            kind = item["prediction"]["kind"]
            assert item["id"] in ids(kind=kind)
            for theme in item["prediction"]["themes"]:
                assert item["id"] in ids(theme=theme["id"])
        assert ids(kind="praise", q="crashes") <= {items[1]["id"]}

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
            ({"theme": "no_such_theme"}, "theme"),
            ({"kind": "rant"}, "kind"),
            ({"limit": 0}, "limit"),
            ({"limit": 201}, "limit"),
            ({"received_from": "yesterday"}, "received_from"),
            (
                {"received_from": "2026-02-01T00:00:00Z", "received_to": "2026-01-01T00:00:00Z"},
                "received_to",
            ),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_bad_parameters_are_422(
        self, client: TestClient, reviewer_key: str, params: dict[str, Any], field: str
    ) -> None:
        r = client.get("/v1/feedback", params=params, headers=headers(reviewer_key))
        assert r.status_code == 422, r.text
        assert field in [e["field"] for e in r.json()["errors"]]

    def test_ingest_key_may_not_list(self, client: TestClient, ingest_key: str) -> None:
        assert client.get("/v1/feedback", headers=headers(ingest_key)).status_code == 403
