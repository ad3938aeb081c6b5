"""After a rescore or retrain, feedback items follow their item's new current prediction.

A feedback item asks a PM about the model's kind and themes of one item. Once a new prediction
replaces the one the item was read from, a pending item takes the new uncertainty, score and
suggested kind and themes (a field a PM decided keeps the decision: see shown.py), and leaves the
queue (superseded) when the new model is sure; a superseded one comes back when a later
prediction is unsure again, unless both fields were decided meanwhile. An item a PM acted on
(any other status) is never touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from feedback_ai.db import utcnow
from feedback_ai.feedback.models import Prediction
from feedback_ai.review import shown
from feedback_ai.review.models import ReviewItem, ReviewItemTheme
from feedback_ai.review.ordering import Inputs, Ordering
from feedback_ai.review.sql import chunks, table

OPEN = ("pending", "superseded")


def _settled(values: shown.Shown) -> bool:
    """Both fields decided: the item has nothing left to ask."""
    return all(o is not None and o.source == "decision"
               for o in (values.kind_origin, values.themes_origin))  # fmt: skip


def stale_items(*, session: Session, ordering: Ordering, uncertainty_min: float) -> list[dict]:
    """New values of the open feedback items whose current prediction is not theirs (a read)."""
    rows = session.execute(
        select(ReviewItem.id, ReviewItem.feedback_id, ReviewItem.status, ReviewItem.version,
               ReviewItem.kind, ReviewItem.themes, ReviewItem.uncertainty, ReviewItem.priority,
               ReviewItem.received_at, Prediction.id.label("pid"),
               Prediction.uncertainty.label("unsure"))
        .join(Prediction, and_(Prediction.feedback_id == ReviewItem.feedback_id,
                               Prediction.is_current))
        .where(ReviewItem.item_type == "feedback", ReviewItem.status.in_(OPEN),
               or_(ReviewItem.prediction_id.is_(None), ReviewItem.prediction_id != Prediction.id))
    ).all()  # fmt: skip
    values = shown.load(session=session, feedback_ids=[r.feedback_id for r in rows])
    out = []
    for r in rows:
        seen, unsure = values[r.feedback_id], float(r.unsure or 0.0)
        status = "pending" if unsure >= uncertainty_min else "superseded"
        if r.status == "superseded" and _settled(seen):
            status = "superseded"
        themes = [t.id for t in seen.themes]
        changed = (status, seen.kind, themes, unsure) != (
            r.status, r.kind, list(r.themes or []), r.uncertainty,
        )  # fmt: skip
        out.append(dict(
            item_id=r.id, seen_version=r.version, seen_status=r.status, new_prediction=r.pid, new_status=status,
            new_kind=seen.kind, new_themes=themes, new_uncertainty=unsure,
            new_score=ordering.score(Inputs("feedback", unsure, r.priority, r.received_at)),
            new_version=r.version + 1 if changed else r.version,
        ))  # fmt: skip
    return out


def refresh_items(*, session: Session, rows: list[dict]) -> tuple[int, int]:
    """Write `rows` from stale_items (no commit): (items refreshed, items that left the queue).

    An item written to since it was read (a PM decided, its version moved) is skipped.
    """
    t = table(ReviewItem)
    stmt = (
        t.update()
        .where(t.c.id == bindparam("item_id"), t.c.version == bindparam("seen_version"),
               t.c.status.in_(OPEN))
        .values(prediction_id=bindparam("new_prediction"), status=bindparam("new_status"),
                kind=bindparam("new_kind"), themes=bindparam("new_themes", type_=t.c.themes.type),
                uncertainty=bindparam("new_uncertainty"), score=bindparam("new_score"),
                version=bindparam("new_version"), updated_at=utcnow())
    )  # fmt: skip
    done, left = 0, 0
    for chunk in chunks(rows):
        session.execute(stmt, list(chunk))
        wanted = {r["item_id"]: r for r in chunk}
        applied: list[Any] = [
            wanted[i]
            for i, pid in session.execute(
                select(ReviewItem.id, ReviewItem.prediction_id).where(ReviewItem.id.in_(wanted))
            )
            if pid == wanted[i]["new_prediction"]
        ]
        session.execute(
            delete(ReviewItemTheme).where(
                ReviewItemTheme.item_id.in_([r["item_id"] for r in applied])
            )
        )
        themes = [
            {"item_id": r["item_id"], "theme_id": x} for r in applied for x in r["new_themes"]
        ]
        if themes:
            session.execute(table(ReviewItemTheme).insert(), themes)
        done += len(applied)
        left += sum(r["new_status"] == "superseded" and r["seen_status"] == "pending"
                    for r in applied)  # fmt: skip
    return done, left
