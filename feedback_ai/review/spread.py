"""The `theme_spread` ordering's queue-wide pass: no predicted theme floods the head of the queue.

An item's score under `theme_spread` depends on the other pending items (its rank among those
shown with the same first theme: feedback_ai.ml.training.active.spread_by_theme), so it cannot be
computed item by item as sync and refresh do; after each sync and rescore this pass re-ranks every
pending item from its base score (priority x uncertainty) and writes the scores that moved.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from feedback_ai.db import serialized_writes
from feedback_ai.ml.training.active import spread_by_theme
from feedback_ai.review.models import ReviewItem
from feedback_ai.review.ordering import Inputs, Ordering
from feedback_ai.review.sql import chunks, table


def respread(*, session: Session, ordering: Ordering) -> int:
    """Re-rank pending items when `ordering` spreads by theme; commits; returns the scores moved."""
    per_theme = getattr(ordering, "per_theme", None)
    if per_theme is None:
        return 0
    rows = session.execute(
        select(ReviewItem.id, ReviewItem.item_type, ReviewItem.uncertainty, ReviewItem.priority,
               ReviewItem.received_at, ReviewItem.themes, ReviewItem.score)
        .where(ReviewItem.status == "pending")
    ).all()  # fmt: skip
    base = [ordering.score(Inputs(r.item_type, r.uncertainty, r.priority, r.received_at))
            for r in rows]  # fmt: skip
    # A proposal or an item with no theme yet is grouped with its own type, not with a theme.
    groups = [f"{r.item_type}:{r.themes[0] if r.themes else ''}" for r in rows]
    spread = spread_by_theme(base, groups, per_theme=per_theme)
    moved = [
        {"item_id": r.id, "score": round(s, 6)}
        for r, s in zip(rows, spread, strict=True)
        if r.score is None or abs(r.score - round(s, 6)) > 1e-9
    ]
    t = table(ReviewItem)
    stmt = t.update().where(t.c.id == bindparam("item_id")).values(score=bindparam("score"))
    with serialized_writes(session):
        for chunk in chunks(moved):
            session.execute(stmt, list(chunk))
        session.commit()
    return len(moved)
