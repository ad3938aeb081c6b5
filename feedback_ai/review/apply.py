"""Make a decided value visible: update the shown columns and move evidence, in bulk.

Suggestions are never touched here; only what the product shows (review items, evidence,
a requirement's title and themes) follows the decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import CandidateRequirement
from feedback_ai.ids import new_id
from feedback_ai.ml import mask_pii
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.models import ReviewItem, ReviewItemTheme
from feedback_ai.review.sql import chunks, table

Values = Mapping[str, Any]  # subject id -> decided value
# Bulk statements need not refresh objects loaded in the session: callers reload what they show.
NO_SYNC = {"synchronize_session": False}


def _by_value(values: Values) -> dict[Any, list[str]]:
    groups: dict[Any, list[str]] = defaultdict(list)
    for sid, value in values.items():
        groups[tuple(value) if isinstance(value, list) else value].append(sid)
    return groups


def _set_items(session: Session, column: Any, values: Values, **fields: Any) -> None:
    for key, ids in _by_value(values).items():
        value = list(key) if isinstance(key, tuple) else key
        for chunk in chunks(ids):
            session.execute(
                update(ReviewItem).where(column.in_(chunk)).values(**{k: value for k in fields}),
                execution_options=NO_SYNC,
            )


def _feedback_themes(session: Session, values: Values) -> None:
    _set_items(session, ReviewItem.feedback_id, values, themes=True)
    for chunk in chunks(list(values)):
        rows = session.execute(
            select(ReviewItem.id, ReviewItem.feedback_id).where(ReviewItem.feedback_id.in_(chunk))
        ).all()
        session.execute(
            delete(ReviewItemTheme).where(ReviewItemTheme.item_id.in_([r.id for r in rows]))
        )
        themes = [{"item_id": r.id, "theme_id": t} for r in rows for t in values[r.feedback_id]]
        if themes:
            session.execute(table(ReviewItemTheme).insert(), themes)


def _candidate_statement(session: Session, values: Values) -> None:
    candidates = ReviewItem.subject_id
    for sid, value in values.items():
        session.execute(
            update(RequirementEvidence)
            .where(RequirementEvidence.candidate_id == sid)
            .values(statement=mask_pii(value))
        )
        session.execute(
            update(ReviewItem)
            .where(ReviewItem.item_type == "candidate", candidates == sid)
            .values(statement=value)
        )


def _candidate_requirement(session: Session, values: Values) -> None:
    """Evidence of each candidate moves to the decided requirement (or goes, when rejected)."""
    for chunk in chunks(list(values)):
        current = dict(
            session.execute(
                select(RequirementEvidence.candidate_id, RequirementEvidence.requirement_id)
                .where(RequirementEvidence.candidate_id.in_(chunk))
            ).all()
        )  # fmt: skip
        moving = [sid for sid in chunk if current.get(sid) != values[sid] or values[sid] is None]
        session.execute(
            delete(RequirementEvidence).where(RequirementEvidence.candidate_id.in_(moving))
        )
        targets = [sid for sid in moving if values[sid] is not None]
        cands = session.scalars(
            select(CandidateRequirement).where(CandidateRequirement.id.in_(targets))
        ).all()
        statements = dict(
            session.execute(
                select(ReviewItem.subject_id, ReviewItem.statement).where(
                    ReviewItem.item_type == "candidate", ReviewItem.subject_id.in_(targets)
                )
            ).all()
        )
        taken: set[tuple[Any, ...]] = set(
            session.execute(
                select(RequirementEvidence.requirement_id, RequirementEvidence.feedback_id,
                       RequirementEvidence.start, RequirementEvidence.end)
                .where(RequirementEvidence.feedback_id.in_({c.feedback_id for c in cands}))
            ).all()
        )  # fmt: skip
        rows = []
        for c in cands:
            span = (values[c.id], c.feedback_id, c.start, c.end)
            if span in taken:
                continue  # the same span already supports that requirement
            taken.add(span)
            rows.append(dict(
                id=new_id(), requirement_id=values[c.id], feedback_id=c.feedback_id,
                candidate_id=c.id, statement=mask_pii(statements.get(c.id) or c.statement),
                sentence=c.masked_sentence, start=c.start, end=c.end, score=1.0,
            ))  # fmt: skip
        if rows:
            session.execute(table(RequirementEvidence).insert(), rows)


def _requirement(name: str):
    def apply(session: Session, values: Values) -> None:
        for sid, value in values.items():
            session.execute(update(Requirement).where(Requirement.id == sid).values({name: value}))

    return apply


APPLIERS = {
    ("feedback", "kind"): lambda s, v: _set_items(s, ReviewItem.feedback_id, v, kind=True),
    ("feedback", "themes"): _feedback_themes,
    ("candidate", "statement"): _candidate_statement,
    ("candidate", "requirement"): _candidate_requirement,
    ("requirement", "title"): _requirement("title"),
    ("requirement", "themes"): _requirement("themes"),
    ("item", "status"): lambda s, v: _set_items(s, ReviewItem.id, v, status=True),
    ("item", "duplicate_of"): lambda s, v: _set_items(s, ReviewItem.id, v, duplicate_of=True),
}


def apply_values(*, session: Session, subject_type: str, field: str, values: Values) -> None:
    """Show `values` (subject id -> value) for one field; the caller commits."""
    APPLIERS[(subject_type, field)](session, values)
