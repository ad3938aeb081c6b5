"""/v1/models: reviewers read, only admins promote and roll back; domain errors are 404/409."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from feedback_ai.serving import champion, registry
from tests.factories import copy_model_as, headers


@pytest.fixture
def registered(client: TestClient, session: Session, trained, tmp_path: Path) -> list[str]:
    """Models a and b registered (not loadable: the shared app does not watch the pointer)."""
    for version in ("a", "b"):
        folder = copy_model_as(trained.path, tmp_path / version, version)
        registry.register_model(session=session, path=folder, actor="t")
    champion.promote(session=session, version="a", actor="t")
    return ["a", "b"]


def test_reviewers_read_the_registry(
    client: TestClient, registered: list[str], reviewer_key: str, model
) -> None:
    r = client.get("/v1/models", headers=headers(reviewer_key))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["champion"] == "a" and data["serving"] == model.version
    assert {m["version"]: m["status"] for m in data["items"]} == {
        "a": "champion",
        "b": "challenger",
    }
    assert data["history"][0]["to_version"] == "a"
    one = client.get("/v1/models/b", headers=headers(reviewer_key))
    assert one.status_code == 200 and len(one.json()["sha256"]) == 64
    assert "golden" in one.json()["metrics"]


def test_only_admins_promote_and_roll_back(
    client: TestClient, registered: list[str], reviewer_key: str, ingest_key: str, admin_key: str
) -> None:
    assert client.get("/v1/models", headers=headers(ingest_key)).status_code == 403
    for key in (reviewer_key, ingest_key):
        assert client.post("/v1/models/b/promote", headers=headers(key)).status_code == 403
        assert client.post("/v1/models/rollback", headers=headers(key)).status_code == 403
    r = client.post("/v1/models/b/promote", json={"reason": "better"}, headers=headers(admin_key))
    assert r.status_code == 200, r.text
    change = r.json()
    assert (change["action"], change["from_version"], change["to_version"]) == ("promote", "a", "b")
    assert change["actor"] == "key:admin" and change["reason"] == "better"
    r = client.post("/v1/models/rollback", headers=headers(admin_key))
    assert r.status_code == 200 and r.json()["to_version"] == "a"


def test_domain_errors_are_clear(
    client: TestClient, registered: list[str], admin_key: str, session: Session
) -> None:
    missing = client.post("/v1/models/nope/promote", headers=headers(admin_key))
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    again = client.post("/v1/models/a/promote", headers=headers(admin_key))
    assert again.status_code == 409 and again.json()["code"] == "model_conflict"
    registry.set_status(session=session, version="b", status="refused", reason="worse on golden")
    refused = client.post("/v1/models/b/promote", headers=headers(admin_key))
    assert refused.status_code == 409 and "worse on golden" in refused.json()["message"]
    forced = client.post("/v1/models/b/promote", json={"force": True}, headers=headers(admin_key))
    assert forced.status_code == 200
    first = client.post("/v1/models/rollback", headers=headers(admin_key))
    assert first.status_code == 200
    nothing = client.post("/v1/models/rollback", headers=headers(admin_key))
    assert nothing.status_code == 409 and "first champion" in nothing.json()["message"]
    bad = client.get("/v1/models/..%2Fetc", headers=headers(admin_key))
    assert bad.status_code in (404, 422)
    extra = client.post("/v1/models/b/promote", json={"forse": True}, headers=headers(admin_key))
    assert extra.status_code == 422
