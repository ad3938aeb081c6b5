"""A requirement's trail on its page: audit entries and review decisions, said in words.

A decision that moved evidence between requirements, and a merge, name requirements by id; the
page shows their titles instead, each a link whose title attribute keeps the id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import AuditLog
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.models import ReviewDecision, ReviewItem

MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a trail row's detail: text, or a requirement's title (with its id to link)."""

    text: str
    requirement_id: str | None = None


@dataclass(frozen=True, slots=True)
class TrailRow:
    """One line of a requirement's trail: an audit entry or a PM's review decision."""

    at: datetime
    who: str
    what: str
    detail: tuple[Part, ...]


def plain(value: Any) -> str:
    """A recorded value in words: text as is, lists joined, fields as `name: value`."""
    if value is None:
        text = "–"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list):
        text = ", ".join(plain(v) for v in value) or "none"
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


# What an audit entry or a decision did, in words; the stored codes stay as they are.
AUDIT_WORDS = {
    "requirement.update": "Edited the requirement",
    "requirement.merge": "Merged requirements",
}
DECISION_VERBS = {
    "accept": "Accepted", "merge": "Merged", "reject": "Rejected", "edit": "Edited",
    "relabel": "Relabelled", "duplicate": "Marked duplicate", "undo": "Undid",
}  # fmt: skip
DECISION_FIELDS = {
    ("candidate", "requirement"): "which requirement the evidence supports",
    ("candidate", "statement"): "the candidate's statement",
    ("requirement", "title"): "the requirement's title",
    ("requirement", "themes"): "the requirement's themes",
    ("feedback", "kind"): "the feedback's kind",
    ("feedback", "themes"): "the feedback's themes",
    ("item", "status"): "the review status",
    ("item", "duplicate_of"): "the item it duplicates",
}


def _words(code: str) -> str:
    return code.replace("_", " ").replace(".", " ")


def audit_words(action: str) -> str:
    """An audit action in words ("requirement.merge" -> "Merged requirements")."""
    return AUDIT_WORDS.get(action) or _words(action).capitalize()


def decision_words(action: str, subject_type: str, field: str) -> str:
    """A decision in words: "Merged: which requirement the evidence supports"."""
    verb = DECISION_VERBS.get(action) or _words(action).capitalize()
    return f"{verb}: {DECISION_FIELDS.get((subject_type, field)) or _words(field)}"


def _named(requirement_id: Any, titles: dict[str, str]) -> Part:
    if not isinstance(requirement_id, str):
        return Part("no requirement")
    title = titles.get(requirement_id)  # None: deleted since; the id is all there is
    return Part(title, requirement_id) if title is not None else Part(requirement_id)


def _merged_into(entry: AuditLog) -> Any:
    return (entry.detail or {}).get("into") if entry.action == "requirement.merge" else None


def audit_trail(
    *, session: Session, requirement_ids: list[str], limit: int = 200
) -> list[TrailRow]:
    """Audit entries about these requirements and the review decisions that placed evidence in
    them or edited them, newest first."""
    entries = session.scalars(
        select(AuditLog).where(AuditLog.target_id.in_(requirement_ids))
        .order_by(AuditLog.at.desc()).limit(limit)
    ).all()  # fmt: skip
    # The candidates whose evidence the requirement holds, and their queue items.
    cands = select(RequirementEvidence.candidate_id).where(
        RequirementEvidence.requirement_id.in_(requirement_ids),
        RequirementEvidence.candidate_id.is_not(None),
    )
    items = select(ReviewItem.id).where(
        ReviewItem.item_type == "candidate", ReviewItem.subject_id.in_(cands)
    )
    decided = session.scalars(
        select(ReviewDecision).where(
            or_(ReviewDecision.item_id.in_(items),
                (ReviewDecision.subject_type == "requirement")
                & ReviewDecision.subject_id.in_(requirement_ids))
        ).order_by(ReviewDecision.decided_at.desc()).limit(limit)
    ).all()  # fmt: skip
    named = {_merged_into(a) for a in entries}
    named |= {v for d in decided if d.field == "requirement" for v in (d.before, d.value)}
    ids = [i for i in named if isinstance(i, str)]
    found = session.execute(
        select(Requirement.id, Requirement.title).where(Requirement.id.in_(ids))
    )
    titles = {rid: title for rid, title in found}
    # A status change made by the same action on the same item as another decision (an accept
    # or merge that also moved the evidence) is said on that decision's row, not on its own.
    said_with = {(d.batch_id, d.item_id) for d in decided if d.field != "status" and d.batch_id}
    status_of = {(d.batch_id, d.item_id): d for d in decided
                 if d.field == "status" and (d.batch_id, d.item_id) in said_with}  # fmt: skip
    rows = []
    for a in entries:
        into = _merged_into(a)
        detail = (Part("into "), _named(into, titles)) if into else (Part(plain(a.detail)),)
        rows.append(TrailRow(a.at, a.actor, audit_words(a.action), detail))
    for d in decided:
        if status_of.get((d.batch_id, d.item_id)) is d:
            continue
        if d.field == "requirement":
            moved: tuple[Part, ...] = (_named(d.before, titles), Part(" → "),
                                       _named(d.value, titles))  # fmt: skip
        else:
            moved = (Part(f"{plain(d.before)} → {plain(d.value)}"),)
        if d.field != "status" and (status := status_of.get((d.batch_id, d.item_id))):
            moved += (Part(f"; the item is now {plain(status.value)}"),)
        why = (Part(f" ({d.reason}{': ' + d.note if d.note else ''})"),) if d.reason else ()
        rows.append(TrailRow(d.decided_at, f"{d.decided_by} ({d.decided_role})",
                             decision_words(d.action, d.subject_type, d.field),
                             moved + why))  # fmt: skip
    return sorted(rows, key=lambda r: r.at, reverse=True)[:limit]
