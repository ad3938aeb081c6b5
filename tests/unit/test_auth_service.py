"""API key service."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth import service
from feedback_ai.auth.models import ApiKey, AuditLog


class TestKeys:
    """Create, authenticate, revoke."""

    def test_create_stores_only_the_hash(self, session: Session) -> None:
        key, token = service.create_key(session=session, name="ci", role="ingest")
        assert token.startswith(f"fai_{key.prefix}_") and len(token) >= 60
        row = session.get(ApiKey, key.id)
        assert row.key_sha256 == service.hash_token(token)
        assert session.scalars(select(AuditLog.action)).all() == ["api_key.create"]

    def test_authenticate(self, session: Session) -> None:
        key, token = service.create_key(session=session, name="ci", role="reviewer")
        assert service.authenticate(session=session, token=token).id == key.id
        assert session.get(ApiKey, key.id).last_used_at is not None
        tampered = token[:-1] + ("a" if token[-1] != "a" else "b")
        for bad in (tampered, "", "fai_short", token + "x" * 300):
            assert service.authenticate(session=session, token=bad) is None

    def test_revoke_and_last_admin_guard(self, session: Session) -> None:
        admin, _ = service.create_key(session=session, name="a", role="admin")
        with pytest.raises(service.LastAdminError):
            service.revoke_key(session=session, key=admin)
        other, token = service.create_key(session=session, name="b", role="admin")
        service.revoke_key(session=session, key=other)
        assert service.authenticate(session=session, token=token) is None
        service.revoke_key(session=session, key=admin, allow_last_admin=True)
        assert not service.has_active_admin(session=session)

    def test_unknown_role_and_malformed_token(self, session: Session) -> None:
        with pytest.raises(ValueError, match="unknown role"):
            service.create_key(session=session, name="x", role="root")
        with pytest.raises(ValueError, match="malformed"):
            service.create_key(session=session, name="x", role="admin", token="changeme")
