"""Reading the queue and items, and leasing items to the reviewer who opens them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.review.actions import get_item, lease
from feedback_ai.review.decisions import ACTIVE, history
from feedback_ai.review.models import ReviewDecision, ReviewItem
from feedback_ai.review.queue import queue_page
from feedback_ai.review.schemas import ItemPublic, QueueFilter
from feedback_ai.review.views import item_views


def view(*, session: Session, item: ReviewItem, key: ApiKey, now: datetime) -> ItemPublic:
    """One item in its public shape."""
    return item_views(session=session, items=[item], key=key, now=now)[0]


def list_queue(
    *, session: Session, f: QueueFilter, cursor: str | None, limit: int, key: ApiKey,
    now: datetime,
) -> tuple[list[ItemPublic], str | None]:  # fmt: skip
    """A page of the queue (items leased to other reviewers left out) and the next cursor."""
    items, nxt = queue_page(session=session, f=f, cursor=cursor, limit=limit, key_id=key.id,
                            now=now)  # fmt: skip
    return item_views(session=session, items=items, key=key, now=now), nxt


def open_item(*, session: Session, item_id: str, key: ApiKey, now: datetime,
              lease_s: int) -> ItemPublic:  # fmt: skip
    """Read an item and lease it to `key` unless another reviewer has it open."""
    item = lease(session=session, item_id=item_id, key=key, now=now, lease_s=lease_s)
    return view(session=session, item=item, key=key, now=now)


def claim(*, session: Session, item_id: str, key: ApiKey, now: datetime,
          lease_s: int) -> ItemPublic:  # fmt: skip
    """Lease the item to `key`, or ReviewError 409 while another reviewer holds it."""
    item = lease(session=session, item_id=item_id, key=key, now=now, lease_s=lease_s, force=True)
    return view(session=session, item=item, key=key, now=now)


def item_history(*, session: Session, item_id: str) -> list[ReviewDecision]:
    """Every decision on the item and its subjects, oldest first."""
    item = get_item(session=session, item_id=item_id)
    subjects = [("item", item.id)]
    if item.item_type == "candidate":
        subjects.append(("candidate", item.subject_id))
    if item.feedback_id:
        subjects.append(("feedback", item.feedback_id))
    return history(session=session, item_id=item.id, subjects=subjects)


def list_decisions(
    *, session: Session, field: str | None = None, subject_type: str | None = None,
    active_only: bool = False, after: str | None = None, limit: int = 100,
) -> list[ReviewDecision]:  # fmt: skip
    """Decisions oldest first (ids are time-ordered), after the id `after`, filtered."""
    query = select(ReviewDecision)
    if field:
        query = query.where(ReviewDecision.field == field)
    if subject_type:
        query = query.where(ReviewDecision.subject_type == subject_type)
    if active_only:
        query = query.where(*ACTIVE)
    if after:
        query = query.where(ReviewDecision.id > after)
    return list(session.scalars(query.order_by(ReviewDecision.id).limit(limit)))


def training_backlog(*, session: Session, since: datetime | None = None) -> int:
    """Active decisions made after `since` (e.g. when the current model was trained)."""
    query = select(func.count()).select_from(ReviewDecision).where(*ACTIVE)
    if since is not None:
        query = query.where(ReviewDecision.decided_at > since)
    return session.scalar(query) or 0
