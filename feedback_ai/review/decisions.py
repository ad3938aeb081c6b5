"""Human decisions: record them beside the model's suggestions, read the active ones.

A decision never changes what the model suggested (predictions, candidates, a requirement's
suggested_title/suggested_themes); the product shows the active decision, else the suggestion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.db import utcnow
from feedback_ai.feedback.models import CandidateRequirement
from feedback_ai.ids import new_id
from feedback_ai.review.models import ReviewDecision
from feedback_ai.review.sql import chunks, table

ACTIVE = (ReviewDecision.superseded_by.is_(None), ReviewDecision.action != "undo")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who decides: the key's id, name and role (kept even if the key is later deleted)."""

    key_id: str | None
    name: str
    role: str

    @classmethod
    def of(cls, key: ApiKey | None) -> Actor:
        """The actor for an API key, or the system."""
        if key is None:
            return cls(None, "system", "system")
        return cls(key.id, key.name, key.role)


@dataclass(frozen=True, slots=True)
class Change:
    """One field of one subject set to `value` (before: what was shown until now)."""

    subject_type: str
    subject_id: str
    field: str
    value: Any
    before: Any
    action: str
    item_id: str | None = None
    feedback_id: str | None = None
    reason: str | None = None
    note: str | None = None


def active_decisions(
    *, session: Session, subject_type: str, field: str, subject_ids: Sequence[str]
) -> dict[str, ReviewDecision]:
    """The active decision of each subject on `field`, for those that have one."""
    out: dict[str, ReviewDecision] = {}
    for chunk in chunks(list(dict.fromkeys(subject_ids))):
        query = select(ReviewDecision).where(
            ReviewDecision.subject_type == subject_type, ReviewDecision.field == field,
            ReviewDecision.subject_id.in_(chunk), *ACTIVE,
        )  # fmt: skip
        out |= {d.subject_id: d for d in session.scalars(query)}
    return out


def record(
    *, session: Session, changes: Sequence[Change], actor: Actor, batch_id: str | None = None,
    now: datetime | None = None, fresh: set[tuple[str, str, str]] | frozenset = frozenset(),
) -> list[dict[str, Any]]:  # fmt: skip
    """Insert one decision per change and supersede the active ones they replace; no commit.

    `fresh` names (subject_type, subject_id, field) keys known to have no decision yet, whose
    lookup is skipped (a bulk action on never-touched items).
    """
    now = now or utcnow()
    rows = [
        dict(
            id=new_id(), item_id=c.item_id, feedback_id=c.feedback_id,
            subject_type=c.subject_type, subject_id=c.subject_id, field=c.field, action=c.action,
            value=c.value, before=c.before, reason=c.reason, note=c.note,
            decided_by_key_id=actor.key_id, decided_by=actor.name[:100],
            decided_role=actor.role, decided_at=now, superseded_by=None, undoes=None,
            batch_id=batch_id,
        )
        for c in changes
    ]  # fmt: skip
    by_key = {(r["subject_type"], r["subject_id"], r["field"]): r["id"] for r in rows}
    types, fields = {k[0] for k in by_key}, {k[2] for k in by_key}
    for chunk in chunks(list({k[1] for k in by_key if k not in fresh})):
        # Plain IN lists on the (subject_type, subject_id, field) index; exact keys checked here.
        prior = session.execute(
            select(ReviewDecision.id, ReviewDecision.subject_type, ReviewDecision.subject_id,
                   ReviewDecision.field)
            .where(ReviewDecision.subject_type.in_(types), ReviewDecision.subject_id.in_(chunk),
                   ReviewDecision.field.in_(fields), *ACTIVE)
        ).all()  # fmt: skip
        for did, stype, sid, field in prior:
            if (stype, sid, field) in by_key:
                session.execute(
                    update(ReviewDecision)
                    .where(ReviewDecision.id == did)
                    .values(superseded_by=by_key[(stype, sid, field)]),
                    execution_options={"synchronize_session": False},
                )
    if rows:
        session.execute(table(ReviewDecision).insert(), rows)
    return rows


def history(*, session: Session, item_id: str, subjects: Sequence[tuple[str, str]]) -> list:
    """Every decision made through an item or on its subjects, oldest first."""
    cond = ReviewDecision.item_id == item_id
    if subjects:
        cond = cond | tuple_(ReviewDecision.subject_type, ReviewDecision.subject_id).in_(subjects)
    query = select(ReviewDecision).where(cond)
    return list(session.scalars(query.order_by(ReviewDecision.decided_at, ReviewDecision.id)))


def decided_ids(*, session: Session, subject_type: str, field: str) -> set[str]:
    """Subjects that have an active decision on `field` (e.g. requirements with decided themes)."""
    query = select(ReviewDecision.subject_id).where(
        ReviewDecision.subject_type == subject_type, ReviewDecision.field == field, *ACTIVE
    )
    return set(session.scalars(query))


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """Where a PM put a candidate sentence (None: rejected, it supports no requirement)."""

    masked_sentence: str
    start: int
    end: int
    requirement_id: str | None


def link_decisions(
    *, session: Session, feedback_ids: Sequence[str]
) -> dict[str, list[LinkDecision]]:
    """Per item, the active candidate -> requirement decisions, by the sentence they concern.

    The linker follows them, so a relink or a new prediction of the same sentence keeps the
    PM's placement instead of the model's.
    """
    out: dict[str, list[LinkDecision]] = defaultdict(list)
    for chunk in chunks(list(feedback_ids)):
        rows = session.execute(
            select(
                CandidateRequirement.feedback_id, CandidateRequirement.masked_sentence,
                CandidateRequirement.start, CandidateRequirement.end, ReviewDecision.value,
            )
            .join(CandidateRequirement, CandidateRequirement.id == ReviewDecision.subject_id)
            .where(ReviewDecision.subject_type == "candidate", ReviewDecision.field == "requirement",
                   ReviewDecision.feedback_id.in_(chunk), *ACTIVE)
        )  # fmt: skip
        for fid, sentence, start, end, value in rows:
            out[fid].append(LinkDecision(sentence, start, end, value))
    return out


def find_link(decisions: Sequence[LinkDecision], cand: CandidateRequirement) -> LinkDecision | None:
    """The decision about the same sentence (or the same span) as `cand`, if any."""
    for d in decisions:
        if d.masked_sentence == cand.masked_sentence or (d.start, d.end) == (cand.start, cand.end):
            return d
    return None


def decisions_for_training(*, session: Session) -> list[ReviewDecision]:
    """The latest (active) decision per subject and field: what retraining learns from."""
    query = select(ReviewDecision).where(*ACTIVE)
    return list(
        session.scalars(
            query.order_by(ReviewDecision.subject_type, ReviewDecision.subject_id,
                           ReviewDecision.field)
        )
    )  # fmt: skip
