"""Create, find, check and revoke API keys; write the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import weakref
from datetime import timedelta
from typing import Any, ClassVar

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


class KeyCache:
    """Keys that authenticated in the last `ttl_s` seconds, by the sha256 of their token.

    A request then needs no database round trip (nor a worker thread) to check its key. A key
    revoked through this process is forgotten at once (revoke_key clears every cache); one
    revoked by another process (the CLI, another server) stops working within `ttl_s`.
    """

    _instances: ClassVar[weakref.WeakSet[KeyCache]] = weakref.WeakSet()

    def __init__(self, *, ttl_s: float = 1.0, max_entries: int = 1024) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[ApiKey, float]] = {}
        self._lock = threading.Lock()
        KeyCache._instances.add(self)

    def get(self, token: str) -> ApiKey | None:
        """The cached active key for `token`, or None (unknown, expired or never checked)."""
        if self.ttl_s <= 0:
            return None
        entry = self._entries.get(hash_token(token))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, token: str, key: ApiKey) -> None:
        """Remember a key that just authenticated."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # many distinct keys within ttl_s: start afresh
            self._entries[hash_token(token)] = (key, time.monotonic() + self.ttl_s)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()

    @classmethod
    def clear_all(cls) -> None:
        """Forget every key in every cache of this process (a key was revoked)."""
        for cache in list(cls._instances):
            cache.clear()


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
    KeyCache.clear_all()  # after the commit, so no request caches it again as active
    return key
