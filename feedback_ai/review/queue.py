"""Select review items by filter, order by stored score, page by cursor; leases hide items."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, column, exists, literal, or_, select, table
from sqlalchemy.orm import Session, aliased

from feedback_ai.feedback.models import Feedback
from feedback_ai.review.models import ReviewItem, ReviewItemTheme
from feedback_ai.review.schemas import QueueFilter


class CursorError(ValueError):
    """A cursor that this API did not make."""


def encode_cursor(score: float, item_id: str) -> str:
    """An opaque cursor after (score, id)."""
    return base64.urlsafe_b64encode(json.dumps([score, item_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[float, str]:
    """(score, id) from a cursor, or CursorError."""
    try:
        score, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return float(score), str(item_id)
    except (ValueError, TypeError, binascii.Error) as e:
        raise CursorError("malformed cursor; pass next_cursor from the previous page") from e


def _like(text: str) -> str:
    """A LIKE pattern for `text` anywhere, with the wildcards in it taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def free_for(key_id: str | None, now: datetime) -> Any:
    """Items no other reviewer holds an unexpired lease on."""
    return or_(
        ReviewItem.leased_by_key_id.is_(None),
        ReviewItem.leased_by_key_id == key_id,
        ReviewItem.lease_expires_at <= now,
    )


# A search first lists the feedback rows whose masked text matches, up to this many (from the
# trigram indexes: PostgreSQL's, migration 0011; SQLite's FTS5, 0012), then the items of those
# rows. Past it the text is common: walking the queue in order then checks few rows before a
# page is full.
RARE_MATCHES = 2000


def _holds(column: Any, pattern: str, dialect: str) -> Any:
    """`column` holds the lower-case LIKE `pattern`, ignoring case. A literal: a prepared
    statement's generic plan would not know a rare word from a common one."""
    like = literal(pattern, literal_execute=True)
    if dialect == "sqlite":
        # SQLite's LIKE already ignores ASCII case, as its lower() does (neither folds the rest):
        # the same rows as ILIKE's lower(column) LIKE, at half the cost of a scan.
        return column.like(like, escape="\\")
    return column.ilike(like, escape="\\")


# SQLite's FTS5 trigram index of the masked text (migration 0012) and the feedback row of each
# of its entries; no model describes them, as they exist on SQLite only.
SEARCH = table("feedback_search", column("rowid"), column("masked_text"))
SEARCH_ROW = table("feedback_search_row", column("id"), column("feedback_id"))
TRIGRAM = 3  # the trigram tokenizer cannot find a shorter text: that search stays a scan


def _indexed(found: Select[Any], q: str) -> Select[Any]:
    """`found` (feedback rows whose masked text LIKE q) led by the FTS5 index: the rows whose text
    holds every three-character run of q, in order. The index folds case beyond ASCII, so it
    lists a superset of the LIKE's rows, and the LIKE still decides (the same rows as a scan)."""
    phrase = '"' + q.lower().replace('"', '""') + '"'  # one FTS5 string: no operators, no columns
    return (
        found.join(SEARCH_ROW, SEARCH_ROW.c.feedback_id == Feedback.id)
        .join(SEARCH, SEARCH.c.rowid == SEARCH_ROW.c.id)
        .where(SEARCH.c.masked_text.match(phrase))
    )


def feedback_holding(session: Session, q: str, *, limit: int) -> list[str]:
    """Ids of up to `limit` feedback rows whose masked text holds `q` (ignoring ASCII case)."""
    dialect = session.get_bind().dialect.name
    # Masked text only: the original may hold secrets that no search should reveal.
    found = select(Feedback.id).where(_holds(Feedback.masked_text, _like(q), dialect))
    if dialect == "sqlite" and len(q.lower()) >= TRIGRAM:
        found = _indexed(found, q)
    return list(session.scalars(found.limit(limit)))


def text_match(session: Session, q: str, status: str = "pending") -> Any:
    """Items whose masked text (or proposal name) holds `q`, as a condition that both databases
    answer without reading every feedback row for every page."""
    pattern, dialect = _like(q), session.get_bind().dialect.name
    ids = feedback_holding(session, q, limit=RARE_MATCHES + 1)
    if len(ids) <= RARE_MATCHES:
        # The items themselves, by primary key: asked for `feedback_id IN (...) OR <proposal>`
        # under ORDER BY score, SQLite walked every pending item in score order to find them
        # (200 ms at 100,000). The status, inlined, lets it read proposals by their partial index.
        item = aliased(ReviewItem)
        proposals = select(item.id).where(
            item.status == literal(status, literal_execute=True),
            item.item_type == "theme_proposal",
            item.statement.ilike(pattern, escape="\\"),
        )
        return ReviewItem.id.in_(
            select(item.id).where(item.feedback_id.in_(ids)).union_all(proposals)
        )
    proposal = and_(
        ReviewItem.item_type == "theme_proposal", ReviewItem.statement.ilike(pattern, escape="\\")
    )
    # A scalar subquery, checked per item as the queue is walked: PostgreSQL turns an EXISTS
    # under OR into a hashed subplan that runs ILIKE over the whole feedback table first.
    text = select(Feedback.masked_text).where(Feedback.id == ReviewItem.feedback_id)
    return or_(_holds(text.scalar_subquery(), pattern, dialect), proposal)


def filtered(session: Session, query: Select[Any], f: QueueFilter) -> Select[Any]:
    """`query` (over ReviewItem) narrowed by every filter that is set."""
    # Inline (a validated literal): the planners then use the partial indexes of pending items.
    query = query.where(ReviewItem.status == literal(f.status, literal_execute=True))
    if f.type:
        query = query.where(ReviewItem.item_type == f.type)
    if f.source:
        query = query.where(ReviewItem.source == f.source)
    if f.kind:
        query = query.where(ReviewItem.kind == f.kind)
    if f.account:
        query = query.where(ReviewItem.account == f.account)
    if f.since:
        query = query.where(ReviewItem.received_at >= f.since)
    if f.until:
        query = query.where(ReviewItem.received_at < f.until)
    if f.theme:
        query = query.where(
            exists().where(
                ReviewItemTheme.item_id == ReviewItem.id, ReviewItemTheme.theme_id == f.theme
            )
        )
    if f.q:
        query = query.where(text_match(session, f.q, f.status))
    return query


def queue_page(
    *, session: Session, f: QueueFilter, cursor: str | None, limit: int, key_id: str | None,
    now: datetime,
) -> tuple[list[ReviewItem], str | None]:  # fmt: skip
    """One page of items, best first, and the cursor of the next page (None at the end)."""
    query = filtered(session, select(ReviewItem), f)
    if f.status == "pending":
        query = query.where(free_for(key_id, now))
    if cursor:
        score, item_id = decode_cursor(cursor)
        # `score <= s` first: a range both databases walk on the (status, score, id) index.
        query = query.where(
            ReviewItem.score <= score,
            or_(ReviewItem.score < score, ReviewItem.id < item_id),
        )
    query = query.order_by(ReviewItem.score.desc(), ReviewItem.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].score, rows[-1].id) if more and rows else None


def matching_ids(*, session: Session, f: QueueFilter, key_id: str | None, now: datetime) -> list:
    """Ids of every item matching `f` that this key may act on (for bulk actions)."""
    query = filtered(session, select(ReviewItem.id), f).where(free_for(key_id, now))
    return list(session.scalars(query.order_by(ReviewItem.id)))
