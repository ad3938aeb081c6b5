"""Create, find, check and revoke API keys; write the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey, AuditLog
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.settings import API_KEY_PATTERN

ROLES: tuple[str, ...] = ("ingest", "reviewer", "admin")
LAST_USED_RESOLUTION = timedelta(minutes=1)


class LastAdminError(ValueError):
    """Revoking this key would leave no active admin key."""


def hash_token(token: str) -> str:
    """The sha256 hex digest stored in place of a key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_token() -> str:
    """A new high-entropy key: fai_<12 hex prefix>_<43 url-safe chars>."""
    return f"fai_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def token_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not API_KEY_PATTERN.match(token):
        return None
    return token[4:16]


def record_audit(
    *,
    session: Session,
    action: str,
    actor_key: ApiKey | None,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit row to the session; the caller commits."""
    entry = AuditLog(
        actor_key_id=actor_key.id if actor_key else None,
        actor=actor or (f"key:{actor_key.name}" if actor_key else "system"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        request_id=request_id,
    )
    session.add(entry)
    return entry


def create_key(
    *,
    session: Session,
    name: str,
    role: str,
    token: str | None = None,
    actor_key: ApiKey | None = None,
    actor: str | None = None,
    request_id: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key (or the given well-formed token) and return it with its plain token."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    token = token or generate_token()
    prefix = token_prefix(token)
    if prefix is None:
        raise ValueError("malformed key; create one with `feedback-ai keys create`")
    key = ApiKey(prefix=prefix, key_sha256=hash_token(token), name=name, role=role)
    session.add(key)
    session.flush()
    record_audit(
        session=session,
        action="api_key.create",
        actor_key=actor_key,
        actor=actor,
        target_type="api_key",
        target_id=key.id,
        detail={"role": role, "name": name},
        request_id=request_id,
    )
    session.commit()
    return key, token


def authenticate(*, session: Session, token: str) -> ApiKey | None:
    """The active key matching `token`, or None; refreshes last_used_at once a minute."""
    prefix = token_prefix(token)
    if prefix is None:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_sha256, hash_token(token)):
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        with serialized_writes(session):
            session.commit()
    return key


def get_key(*, session: Session, key_id: str) -> ApiKey | None:
    """A key by id, revoked or not."""
    return session.get(ApiKey, key_id)


def list_keys(*, session: Session, include_revoked: bool = True) -> list[ApiKey]:
    """All keys, oldest first."""
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def has_active_admin(*, session: Session) -> bool:
    """Whether at least one admin key is not revoked."""
    query = select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))
    return session.scalars(query.limit(1)).first() is not None


def revoke_key(
    *,
    session: Session,
    key: ApiKey,
    actor_key: ApiKey | None = None,
    actor: str | None = None,
    allow_last_admin: bool = False,
    request_id: str | None = None,
) -> ApiKey:
    """Revoke a key (idempotent); refuses to remove the last active admin unless allowed."""
    if key.revoked_at is not None:
        return key
    if key.role == "admin" and not allow_last_admin:
        others = select(ApiKey.id).where(
            ApiKey.role == "admin", ApiKey.revoked_at.is_(None), ApiKey.id != key.id
        )
        if session.scalars(others.limit(1)).first() is None:
            raise LastAdminError(
                "this is the last active admin key; create another admin key before revoking it"
            )
    key.revoked_at = utcnow()
    record_audit(
        session=session,
        action="api_key.revoke",
        actor_key=actor_key,
        actor=actor,
        target_type="api_key",
        target_id=key.id,
        request_id=request_id,
    )
    session.commit()
    return key
