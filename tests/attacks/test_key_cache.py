"""Authenticated keys are cached for a second; a revoked key must still stop working promptly."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import KeyCache, hash_token
from feedback_ai.db import make_sessionmaker, utcnow
from tests.factories import headers


def _post(client: TestClient, token: str, n: int) -> int:
    body = {
        "text": f"Please add an export to CSV ({n})",
        "source": "other",
        "external_id": f"kc-{n}",
    }
    return client.post("/v1/feedback", json=body, headers=headers(token)).status_code


def _key_id(engine: Engine, token: str) -> str:
    with make_sessionmaker(engine)() as session:
        return session.query(ApiKey).filter_by(key_sha256=hash_token(token)).one().id


class TestRevokedKeys:
    def test_key_revoked_through_the_api_is_refused_on_its_next_request(
        self, client: TestClient, engine: Engine, admin_key: str, ingest_key: str
    ) -> None:
        assert _post(client, ingest_key, 1) == 201  # now in the cache
        assert _post(client, ingest_key, 2) == 201  # served from the cache
        key_id = _key_id(engine, ingest_key)
        r = client.post(f"/v1/keys/{key_id}/revoke", headers=headers(admin_key))
        assert r.status_code == 200
        r = client.post(
            "/v1/feedback", json={"text": "x y", "source": "other"}, headers=headers(ingest_key)
        )
        assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"

    def test_reader_key_revoked_through_the_api_is_refused_at_once(
        self, client: TestClient, engine: Engine, admin_key: str, reviewer_key: str
    ) -> None:
        assert client.get("/v1/feedback", headers=headers(reviewer_key)).status_code == 200
        key_id = _key_id(engine, reviewer_key)
        client.post(f"/v1/keys/{key_id}/revoke", headers=headers(admin_key)).raise_for_status()
        r = client.get("/v1/feedback", headers=headers(reviewer_key))
        assert r.status_code == 401

    def test_key_revoked_by_another_process_is_refused_after_the_cache_ttl(
        self, client: TestClient, engine: Engine, ingest_key: str
    ) -> None:
        ttl = client.app.state.key_cache.ttl_s
        assert 0 < ttl <= 1.0  # the documented bound
        assert _post(client, ingest_key, 3) == 201
        # What `feedback-ai keys revoke` in another process does: the row changes, this
        # process's cache is not told.
        with engine.begin() as conn:
            conn.execute(
                update(ApiKey)
                .where(ApiKey.key_sha256 == hash_token(ingest_key))
                .values(revoked_at=utcnow())
            )
        time.sleep(ttl + 0.1)
        assert _post(client, ingest_key, 4) == 401

    def test_unknown_and_missing_keys_are_never_cached(
        self, client: TestClient, ingest_key: str
    ) -> None:
        wrong = ingest_key[:-4] + ("AAAA" if not ingest_key.endswith("AAAA") else "BBBB")
        for _ in range(2):
            assert _post(client, wrong, 5) == 401
        assert (
            client.post("/v1/feedback", json={"text": "a b", "source": "other"}).status_code == 401
        )


class TestKeyCache:
    def test_entries_expire_and_revocation_clears_every_cache(self) -> None:
        key = ApiKey(id="k1", prefix="0123456789ab", key_sha256="x", name="n", role="ingest")
        a, b = KeyCache(ttl_s=0.05), KeyCache(ttl_s=60)
        a.put("tok", key)
        b.put("tok", key)
        assert a.get("tok") is key and b.get("tok") is key
        assert a.get("other") is None
        time.sleep(0.1)
        assert a.get("tok") is None  # expired
        KeyCache.clear_all()
        assert b.get("tok") is None

    def test_ttl_zero_turns_the_cache_off(self) -> None:
        key = ApiKey(id="k2", prefix="0123456789ab", key_sha256="x", name="n", role="ingest")
        cache = KeyCache(ttl_s=0)
        cache.put("tok", key)
        assert cache.get("tok") is None
