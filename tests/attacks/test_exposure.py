"""Headers and exposure (issue 12, item 5): security headers, /metrics access, offline /docs, and
the API key checked before the body is read."""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.factories import feedback_payload, headers

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_security_headers(r) -> None:
    for name, value in SECURITY.items():
        assert r.headers.get(name) == value, (r.request.url, name, r.headers)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


class TestSecurityHeaders:
    """Every answer, success or error, JSON or HTML, carries them."""

    def test_on_every_kind_of_answer(self, client: TestClient, ingest_key: str) -> None:
        answers = [
            client.get("/healthz"),
            client.get("/openapi.json"),
            client.get("/docs"),
            client.get("/v2/nothing"),
            client.get("/v1/feedback"),
            client.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest_key)),
            client.post("/v1/feedback", json={"text": ""}, headers=headers(ingest_key)),
        ]
        assert [r.status_code for r in answers] == [200, 200, 200, 404, 401, 201, 422]
        for r in answers:
            _assert_security_headers(r)

    def test_api_answers_are_not_cached_and_load_nothing(
        self, client: TestClient, ingest_key: str
    ) -> None:
        r = client.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest_key))
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-security-policy"].startswith("default-src 'none'")


class TestDocsOffline:
    """/docs and /redoc load their assets from this server only, under a strict policy."""

    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    def test_pages_reference_only_local_assets(self, client: TestClient, page: str) -> None:
        r = client.get(page)
        assert r.status_code == 200
        refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert refs and all(ref.startswith("/docs-static/") for ref in refs), refs
        assert "://" not in r.text.replace("http://www.w3.org", "")
        for ref in refs:
            asset = client.get(ref)
            assert asset.status_code == 200 and len(asset.content) > 1000, ref
            _assert_security_headers(asset)

    def test_inline_script_is_allowed_by_hash_only(self, client: TestClient) -> None:
        csp = client.get("/docs").headers["content-security-policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'sha256-" in script_src and "unsafe-inline" not in script_src


class TestMetricsAccess:
    """/metrics is behind a key by default; it can be turned off or made public."""

    def _set(self, client: TestClient, monkeypatch: pytest.MonkeyPatch, **update) -> None:
        app = client.app
        monkeypatch.setattr(app.state, "settings", app.state.settings.model_copy(update=update))

    def test_default_needs_an_admin_key(
        self, client: TestClient, reviewer_key: str, admin_key: str
    ) -> None:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=headers("fai_nope")).status_code == 401
        assert client.get("/metrics", headers=headers(reviewer_key)).status_code == 403
        r = client.get("/metrics", headers=headers(admin_key))
        assert r.status_code == 200 and "feedback_ai_http_request_duration_seconds" in r.text

    def test_metrics_token_as_bearer(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._set(client, monkeypatch, metrics_token=SecretStr("scrape-secret-0123456789"))
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"})
        assert ok.status_code == 200
        bad = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-wrong"})
        assert bad.status_code == 401

    def test_off_and_public(self, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        self._set(client, monkeypatch, metrics_access="off")
        assert client.get("/metrics").status_code == 404
        self._set(client, monkeypatch, metrics_access="public")
        assert client.get("/metrics").status_code == 200


def _post_unread(app, headers_: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """POST a body of `chunks` 1 MB chunks straight to the ASGI app; (status, chunks it read)."""
    read = 0
    messages: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        if read >= chunks:
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": b" " * 1_000_000, "more_body": read < chunks}

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/feedback",
        "raw_path": b"/v1/feedback",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers_],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return messages[0]["status"], read


class TestKeyBeforeBody:
    """An unauthenticated request is answered before its body is read, so it costs no memory."""

    def test_missing_or_unknown_key_is_refused_unread(
        self, client: TestClient, ingest_key: str
    ) -> None:
        assert _post_unread(client.app, [], chunks=9) == (401, 0)
        unknown = [(b"x-api-key", b"fai_0123456789ab_" + b"x" * 40)]
        assert _post_unread(client.app, unknown, chunks=9) == (401, 0)
        # With a valid key the body is read (and then refused for what it holds).
        status, read = _post_unread(client.app, [(b"x-api-key", ingest_key.encode())], chunks=2)
        assert read == 2 and status in (400, 422), (status, read)
