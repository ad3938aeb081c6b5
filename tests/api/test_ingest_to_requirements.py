"""End to end: feedback posted over HTTP is classified, and its candidates grouped into requirements."""

from fastapi.testclient import TestClient

from tests.factories import headers


def _post(client: TestClient, key: str, text: str, ext: str, account: str) -> dict:
    body = {"text": text, "source": "support_ticket", "external_id": ext, "account_id": account}
    response = client.post("/v1/feedback", json=body, headers=headers(key))
    assert response.status_code == 201, response.text
    return response.json()


class TestIngestGroupsRequirements:
    def test_paraphrases_join_one_requirement_and_distinct_asks_stay_apart(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        a = _post(
            client,
            ingest_key,
            "It would be great if I could export my reports as PDF.",
            "t-1",
            "acme",
        )
        b = _post(client, ingest_key, "Please let us export reports to PDF.", "t-2", "globex")
        c = _post(client, ingest_key, "We need SAML single sign-on with Okta.", "t-3", "acme")
        for item in (a, b, c):
            assert item["prediction"]["candidates"], item
        client.app.state.linker.join()  # linking runs after the acknowledgement
        listing = client.get("/v1/requirements", headers=headers(reviewer_key)).json()
        by_feedback: dict[str, str] = {}
        for req in listing["items"]:
            detail = client.get(
                f"/v1/requirements/{req['id']}", headers=headers(reviewer_key)
            ).json()
            for ev in detail["evidence"]:
                by_feedback[ev["feedback_id"]] = req["id"]
        assert by_feedback[a["id"]] == by_feedback[b["id"]]
        assert by_feedback[c["id"]] != by_feedback[a["id"]]
        pdf = next(r for r in listing["items"] if r["id"] == by_feedback[a["id"]])
        assert pdf["aggregates"]["feedback_count"] == 2
        assert pdf["aggregates"]["distinct_accounts"] == 2

    def test_a_batch_is_linked_in_one_go(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        texts = ["Please add dark mode.", "Dark mode please!", "We need an API for bulk updates."]
        items = [
            {"text": t, "source": "app_review", "external_id": f"b-{i}"}
            for i, t in enumerate(texts)
        ]
        response = client.post(
            "/v1/feedback/batch", json={"items": items}, headers=headers(ingest_key)
        )
        assert response.json()["created"] == 3
        client.app.state.linker.join()
        listing = client.get("/v1/requirements", headers=headers(reviewer_key)).json()
        counts = sorted(r["aggregates"]["feedback_count"] for r in listing["items"])
        assert counts == [1, 2], listing

    def test_replay_does_not_add_evidence_twice(
        self, client: TestClient, ingest_key: str, reviewer_key: str
    ) -> None:
        body = {
            "text": "Please add dark mode to the dashboard.",
            "source": "survey",
            "external_id": "s-9",
        }
        assert (
            client.post("/v1/feedback", json=body, headers=headers(ingest_key)).status_code == 201
        )
        assert (
            client.post("/v1/feedback", json=body, headers=headers(ingest_key)).status_code == 200
        )
        client.app.state.linker.join()
        listing = client.get("/v1/requirements", headers=headers(reviewer_key)).json()
        assert listing["total"] == 1
        assert listing["items"][0]["aggregates"]["feedback_count"] == 1
