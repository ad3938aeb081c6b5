"""Start, find and end review UI sessions; the CSRF token bound to each session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feedback_ai.auth import service as auth_service
from feedback_ai.auth.models import ApiKey
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.web.models import WebSession

LOGIN_ROLES = ("reviewer", "admin")
# last_seen_at (and so the idle expiry) moves at most once a minute: one write per minute, not
# one per page view.
TOUCH_RESOLUTION = timedelta(minutes=1)


class LoginRefused(ValueError):
    """The key is unknown, revoked, malformed, or of a role that cannot use the review UI."""


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a session belongs to: the key's id, name and role, and the session's CSRF token."""

    key_id: str
    name: str
    role: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        """Whether the key may change the taxonomy and see unmasked text."""
        return self.role == "admin"


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from the session token, which only the cookie holds."""
    return hmac.new(session_token.encode(), b"feedback-ai csrf", hashlib.sha256).hexdigest()


def csrf_matches(*, session_token: str, sent: str | None) -> bool:
    """Whether `sent` is the session's CSRF token (constant time)."""
    return bool(sent) and hmac.compare_digest(csrf_token(session_token), sent or "")


def start_session(
    *, session: Session, api_token: str, idle_minutes: int, user_agent: str = ""
) -> tuple[str, SessionUser]:
    """Log in with a reviewer or admin key: a new session token (shown once) and its user."""
    key = auth_service.authenticate(session=session, token=api_token.strip())
    if key is None or key.role not in LOGIN_ROLES:
        # One message for both: an ingest key's holder learns nothing about the key's validity.
        raise LoginRefused("This key cannot log in: use an active reviewer or admin key.")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_sha256=_sha(token), key_id=key.id, created_at=now, last_seen_at=now,
            expires_at=now + timedelta(minutes=idle_minutes), user_agent=user_agent[:200],
        )
    )  # fmt: skip
    auth_service.record_audit(
        session=session, action="ui.login", actor_key=key, target_type="api_key", target_id=key.id
    )
    with serialized_writes(session):
        session.commit()
    return token, SessionUser(key.id, key.name, key.role, csrf_token(token))


def find_session(*, session: Session, token: str, idle_minutes: int) -> SessionUser | None:
    """The user of a live session: not expired, its key active and still allowed; else None."""
    if not token or len(token) > 128:
        return None
    row = session.get(WebSession, _sha(token))
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    key = session.get(ApiKey, row.key_id)
    if key is None or key.revoked_at is not None or key.role not in LOGIN_ROLES:
        return None
    if now - row.last_seen_at > TOUCH_RESOLUTION:
        row.last_seen_at = now
        row.expires_at = now + timedelta(minutes=idle_minutes)
        with serialized_writes(session):
            session.commit()
    return SessionUser(key.id, key.name, key.role, csrf_token(token))


def end_session(*, session: Session, token: str) -> bool:
    """Log out: delete the session (and any expired ones); whether it existed."""
    row = session.get(WebSession, _sha(token))
    if row is not None:
        key = session.get(ApiKey, row.key_id)
        auth_service.record_audit(
            session=session, action="ui.logout", actor_key=key, target_type="api_key",
            target_id=row.key_id,
        )  # fmt: skip
        session.delete(row)
    session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    with serialized_writes(session):
        session.commit()
    return row is not None


def key_for(*, session: Session, user: SessionUser) -> ApiKey:
    """The API key row behind a session user (for audit records)."""
    key = session.scalars(select(ApiKey).where(ApiKey.id == user.key_id)).one()
    return key
