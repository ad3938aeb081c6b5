"""/healthz, /readyz, /metrics and request ids."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import feedback_payload, headers


class TestHealthz:
    """Liveness."""

    def test_ok(self, client: TestClient) -> None:
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json()["status"] == "ok"


class TestReadyz:
    """Readiness: database and model."""

    def test_ready_with_database_and_model(self, client: TestClient, model) -> None:
        r = client.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {
            "status": "ready",
            "database": True,
            "model_loaded": True,
            "model_version": model.version,
        }


class TestMetrics:
    """Prometheus metrics."""

    def test_latency_predictions_and_model_version(
        self, client: TestClient, ingest_key: str, admin_key: str, model
    ) -> None:
        r = client.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest_key))
        kind = r.json()["prediction"]["kind"]
        text = client.get("/metrics", headers=headers(admin_key)).text
        assert 'feedback_ai_http_request_duration_seconds_bucket{le="0.005",method="POST"' in text
        assert 'route="/v1/feedback"' in text
        assert f'feedback_ai_predictions_total{{endpoint="feedback",kind="{kind}"}}' in text
        assert f'feedback_ai_model_info{{version="{model.version}"}} 1.0' in text


class TestRequestIds:
    """Every answer carries a request id, errors in the body too."""

    def test_echoes_a_safe_id_and_makes_one_otherwise(self, client: TestClient) -> None:
        assert (
            client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
            == "abc-123"
        )
        made = client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"]
        assert made != "bad id!" and len(made) == 32
        r = client.get("/v1/feedback", headers={"X-Request-ID": "req-9"})
        assert r.status_code == 401 and r.json()["request_id"] == "req-9"

    def test_unknown_route_is_json_404(self, client: TestClient) -> None:
        r = client.get("/v2/nothing")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
