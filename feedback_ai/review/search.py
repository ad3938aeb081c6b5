"""The merge box's search: requirements whose title holds what the PM has typed so far."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feedback_ai.requirements.models import Requirement
from feedback_ai.review.queue import _like
from feedback_ai.review.schemas import RequirementHit
from feedback_ai.review.views import evidence_counts


def search_requirements(*, session: Session, q: str, limit: int = 10) -> list[RequirementHit]:
    """Open (not merged, not rejected) requirements matching every word, titles starting with
    the text first, then the shortest titles."""
    words = q.split()[:8]
    query = select(Requirement.id, Requirement.title, Requirement.status).where(
        Requirement.status.not_in(("merged", "rejected"))
    )
    for word in words:
        query = query.where(func.lower(Requirement.title).like(_like(word), escape="\\"))
    starts = case((func.lower(Requirement.title).like(_like(q)[1:], escape="\\"), 0), else_=1)
    rows = session.execute(
        query.order_by(starts, func.length(Requirement.title), Requirement.id).limit(limit)
    ).all()
    counts = evidence_counts(session, {r.id for r in rows})
    return [
        RequirementHit(id=r.id, title=r.title, status=r.status, evidence_count=counts.get(r.id, 0))
        for r in rows
    ]
