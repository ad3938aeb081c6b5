"""Undo: take back an item's last action, or any single decision of its history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import record_audit
from feedback_ai.ids import new_id
from feedback_ai.review.actions import ReviewError
from feedback_ai.review.apply import apply_values
from feedback_ai.review.decisions import Actor
from feedback_ai.review.models import ReviewDecision, ReviewItem

D = ReviewDecision


def _undone(session: Session, ids: list[str]) -> set[str]:
    return set(session.scalars(select(D.undoes).where(D.undoes.in_(ids))))


def _targets(session: Session, item: ReviewItem, decision_id: str | None) -> list[ReviewDecision]:
    """The decisions to undo: the one named (of this item), or the item's last action."""
    if decision_id is not None:
        found = session.get(D, decision_id)
        subjects = {("item", item.id), ("candidate", item.subject_id),
                    ("feedback", item.feedback_id)}  # fmt: skip
        if found is None or (found.item_id != item.id
                             and (found.subject_type, found.subject_id) not in subjects):  # fmt: skip
            raise ReviewError(
                422, "unknown_decision", f"{decision_id!r} is not in this item's history"
            )
        return [found]
    mine = list(session.scalars(
        select(D).where(D.item_id == item.id, D.action != "undo")
        .order_by(D.decided_at.desc(), D.id.desc())
    ))  # fmt: skip
    undone = _undone(session, [d.id for d in mine])
    live = [d for d in mine if d.id not in undone]
    if not live:
        raise ReviewError(409, "nothing_to_undo", "this item has no decision left to undo", item)
    return [d for d in live if d.batch_id == live[0].batch_id]


def _restore(session: Session, target: ReviewDecision) -> tuple[object, ReviewDecision | None]:
    """The value shown once `target` is taken back, and the earlier decision that comes back."""
    same = list(session.scalars(
        select(D).where(D.subject_type == target.subject_type, D.subject_id == target.subject_id,
                        D.field == target.field, D.action != "undo", D.id != target.id)
        .order_by(D.decided_at, D.id)
    ))  # fmt: skip
    undone = _undone(session, [d.id for d in same])
    earlier = [
        d
        for d in same
        if d.id not in undone and (d.decided_at, d.id) < (target.decided_at, target.id)
    ]
    if earlier:
        return earlier[-1].value, earlier[-1]
    # No decision left: back to what was shown before any, i.e. the model's suggestion.
    first = (
        same[0]
        if same and (same[0].decided_at, same[0].id) < (target.decided_at, target.id)
        else target
    )
    return first.before, None


def undo(*, session: Session, item: ReviewItem, decision_id: str | None,
         key: ApiKey) -> list[ReviewDecision]:  # fmt: skip
    """Record an undo for each target decision and show the restored values; commits."""
    if item.item_type == "theme_proposal":
        raise ReviewError(409, "not_undoable",
                          "a theme decision changes the taxonomy; rename or dismiss it instead", item)  # fmt: skip
    targets = _targets(session, item, decision_id)
    if targets[0].action == "undo":
        raise ReviewError(409, "not_undoable", "an undo cannot be undone; decide again", item)
    if _undone(session, [t.id for t in targets]):
        raise ReviewError(409, "already_undone", "this decision was undone already", item)
    actor, batch, out = Actor.of(key), new_id(), []
    for target in targets:
        active = target.superseded_by is None
        value, restored = _restore(session, target) if active else (None, None)
        undo_row = D(
            id=new_id(), item_id=item.id, feedback_id=target.feedback_id,
            subject_type=target.subject_type, subject_id=target.subject_id, field=target.field,
            action="undo", value=value if active else None, before=target.value,
            decided_by_key_id=actor.key_id, decided_by=actor.name[:100], decided_role=actor.role,
            undoes=target.id, batch_id=batch,
        )  # fmt: skip
        session.add(undo_row)
        out.append(undo_row)
        if active:
            target.superseded_by = undo_row.id
            if restored is not None:
                restored.superseded_by = None  # the earlier decision is the active one again
            apply_values(session=session, subject_type=target.subject_type, field=target.field,
                         values={target.subject_id: value})  # fmt: skip
    record_audit(session=session, action="review.undo", actor_key=key, target_type="review_item",
                 target_id=item.id, detail={"undid": [t.id for t in targets]})  # fmt: skip
    session.commit()
    return out
