"""Read and list feedback; plain functions usable from HTTP, the CLI and jobs."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.ingest import FULL
from feedback_ai.feedback.models import Feedback
from feedback_ai.feedback.schemas import FeedbackFilter
from feedback_ai.fields import ID_PATTERN
from feedback_ai.review import shown
from feedback_ai.themes.models import CustomTheme


def get_feedback(*, session: Session, feedback_id: str) -> Feedback | None:
    """One item with its current prediction, or None."""
    query = select(Feedback).where(Feedback.id == feedback_id).options(*FULL)
    return session.scalars(query).one_or_none()


def encode_cursor(row: Feedback) -> str:
    """An opaque cursor pointing just after `row` in newest-first order."""
    raw = json.dumps([row.received_at.isoformat(), row.id]).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (received_at, id) a cursor points after; ValueError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        received, row_id = json.loads(raw)
        when = datetime.fromisoformat(received)
    except (ValueError, TypeError, binascii.Error) as e:
        raise ValueError("is not a cursor returned by this API; start without one") from e
    if not isinstance(row_id, str) or not re.match(ID_PATTERN, row_id) or when.tzinfo is None:
        raise ValueError("is not a cursor returned by this API; start without one")
    return when, row_id


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_feedback(
    *, session: Session, filters: FeedbackFilter, cursor: str | None = None, limit: int = 50
) -> tuple[list[Feedback], str | None]:
    """A page of items, newest received first, and the cursor of the next page."""
    query = select(Feedback).options(*FULL)
    f = filters
    if f.source:
        query = query.where(Feedback.source == f.source)
    if f.account:
        query = query.where(
            or_(Feedback.account_id == f.account, Feedback.account_name == f.account)
        )
    if f.received_from:
        query = query.where(Feedback.received_at >= f.received_from)
    if f.received_to:
        query = query.where(Feedback.received_at < f.received_to)
    if f.q:
        query = query.where(Feedback.masked_text.ilike(f"%{_escape_like(f.q)}%", escape="\\"))
    # The shown values: a PM's decision where one exists, else the current prediction.
    if f.kind:
        query = query.where(shown.kind_of(Feedback.id) == f.kind)
    if f.theme:
        query = query.where(shown.has_theme(Feedback.id, f.theme))
    if cursor:
        when, row_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Feedback.received_at < when, (Feedback.received_at == when) & (Feedback.id < row_id)
            )
        )
    query = query.order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def custom_themes(*, session: Session) -> list[CustomTheme]:
    """Themes a PM accepted from proposals, beside the model's taxonomy."""
    return list(session.scalars(select(CustomTheme).order_by(CustomTheme.id)))


def is_known_theme(*, session: Session, theme_id: str, names: dict[str, str]) -> bool:
    """Whether `theme_id` is in the model's taxonomy or an accepted custom theme."""
    return theme_id in names or session.get(CustomTheme, theme_id) is not None
