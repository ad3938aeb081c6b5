"""POST /v1/keys, GET /v1/keys, POST /v1/keys/{id}/revoke."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey, AuditLog
from feedback_ai.auth.service import hash_token
from tests.factories import feedback_payload, headers, make_key


class TestCreateKey:
    """Admins create keys; the secret is shown once and stored hashed."""

    def test_created_key_works_and_only_its_hash_is_stored(
        self, client: TestClient, engine: Engine, admin_key: str
    ) -> None:
        r = client.post(
            "/v1/keys", json={"name": "zendesk", "role": "ingest"}, headers=headers(admin_key)
        )
        assert r.status_code == 201
        token = r.json()["key"]
        with Session(engine) as s:
            row = s.get(ApiKey, r.json()["id"])
            assert row.key_sha256 == hash_token(token) and token not in row.key_sha256
            audit = s.scalars(select(AuditLog).where(AuditLog.target_id == row.id)).one()
            assert audit.action == "api_key.create"
        assert (
            client.post("/v1/feedback", json=feedback_payload(), headers=headers(token)).status_code
            == 201
        )

    def test_a_key_with_a_100_character_name_is_audited_in_full(
        self, client: TestClient, engine: Engine
    ) -> None:
        name = "n" * 100  # the longest name a key may have: the actor is "key:" + 100 chars
        admin = make_key(engine, "admin", name=name)
        r = client.post("/v1/keys", json={"name": "x", "role": "ingest"}, headers=headers(admin))
        assert r.status_code == 201, r.text
        with Session(engine) as s:
            audit = s.scalars(select(AuditLog).where(AuditLog.target_id == r.json()["id"])).one()
        assert audit.actor == f"key:{name}"

    def test_bad_role_and_non_admin(
        self, client: TestClient, admin_key: str, reviewer_key: str
    ) -> None:
        r = client.post("/v1/keys", json={"name": "x", "role": "root"}, headers=headers(admin_key))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
        r = client.post(
            "/v1/keys", json={"name": "x", "role": "admin"}, headers=headers(reviewer_key)
        )
        assert r.status_code == 403


class TestListKeys:
    """Admins list keys, never their secrets."""

    def test_lists_without_secrets(
        self, client: TestClient, admin_key: str, ingest_key: str
    ) -> None:
        r = client.get("/v1/keys", headers=headers(admin_key))
        assert r.status_code == 200
        assert sorted(k["role"] for k in r.json()["items"]) == ["admin", "ingest"]
        assert "key" not in r.text.replace('"key', "") and ingest_key not in r.text


class TestRevokeKey:
    """Revoked keys stop working at once."""

    def test_revoked_key_is_refused(
        self, client: TestClient, engine: Engine, admin_key: str, ingest_key: str
    ) -> None:
        with Session(engine) as s:
            key_id = s.scalars(select(ApiKey.id).where(ApiKey.role == "ingest")).one()
        r = client.post(f"/v1/keys/{key_id}/revoke", headers=headers(admin_key))
        assert r.status_code == 200 and r.json()["revoked_at"] is not None
        r = client.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest_key))
        assert r.status_code == 401
        again = client.post(f"/v1/keys/{key_id}/revoke", headers=headers(admin_key))
        assert again.status_code == 200 and again.json()["revoked_at"] == r.json().get(
            "revoked_at", again.json()["revoked_at"]
        )

    def test_last_admin_cannot_be_revoked(
        self, client: TestClient, engine: Engine, admin_key: str
    ) -> None:
        with Session(engine) as s:
            key_id = s.scalars(select(ApiKey.id).where(ApiKey.role == "admin")).one()
        r = client.post(f"/v1/keys/{key_id}/revoke", headers=headers(admin_key))
        assert r.status_code == 409 and r.json()["code"] == "last_admin_key"
        with Session(engine) as s:
            assert s.get(ApiKey, key_id).revoked_at is None

    def test_unknown_key_is_404(self, client: TestClient, admin_key: str) -> None:
        r = client.post(
            "/v1/keys/01a2139e-0783-70b7-8cef-ac1c2deac209/revoke", headers=headers(admin_key)
        )
        assert r.status_code == 404
