"""Review items as the API shows them, loaded for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction
from feedback_ai.ml import mask_pii
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.models import ReviewDecision, ReviewItem
from feedback_ai.review.schemas import (
    FeedbackRef,
    ItemPublic,
    LeasePublic,
    ProposalRef,
    RequirementRef,
    SuggestionPublic,
)
from feedback_ai.review.sync import prediction_themes
from feedback_ai.themes.models import ThemeProposal


def _by_id(session: Session, model: Any, ids: set[str]) -> dict[str, Any]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def evidence_counts(session: Session, requirement_ids: set[str]) -> dict[str, int]:
    """Distinct feedback items per requirement."""
    if not requirement_ids:
        return {}
    rows = session.execute(
        select(RequirementEvidence.requirement_id,
               func.count(func.distinct(RequirementEvidence.feedback_id)))
        .where(RequirementEvidence.requirement_id.in_(requirement_ids))
        .group_by(RequirementEvidence.requirement_id)
    )  # fmt: skip
    return dict(rows.all())


class _Page:
    """Everything the items of one page refer to, loaded in bulk."""

    def __init__(self, session: Session, items: Sequence[ReviewItem]) -> None:
        fids = {i.feedback_id for i in items if i.feedback_id}
        cids = {i.subject_id for i in items if i.item_type == "candidate"}
        self.feedback = _by_id(session, Feedback, fids)
        self.candidates = _by_id(session, CandidateRequirement, cids)
        self.proposals = _by_id(
            session, ThemeProposal, {i.subject_id for i in items if i.item_type == "theme_proposal"}
        )
        self.predictions: dict[str, Prediction] = {}
        if fids:
            query = select(Prediction).where(
                Prediction.feedback_id.in_(fids), Prediction.is_current
            )
            self.predictions = {p.feedback_id: p for p in session.scalars(query)}
        self.pred_themes = prediction_themes(session, [p.id for p in self.predictions.values()])
        self.placed: dict[str, str] = {}
        self.first_link: dict[str, Any] = {}
        if cids:
            self.placed = dict(session.execute(
                select(RequirementEvidence.candidate_id, RequirementEvidence.requirement_id)
                .where(RequirementEvidence.candidate_id.in_(cids))
            ).all())  # fmt: skip
            # The model's placement is the value shown before the first decision on the link.
            for sid, before in session.execute(
                select(ReviewDecision.subject_id, ReviewDecision.before)
                .where(ReviewDecision.subject_type == "candidate",
                       ReviewDecision.field == "requirement", ReviewDecision.subject_id.in_(cids))
                .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
            ):  # fmt: skip
                self.first_link[sid] = before
        req_ids = set(self.placed.values()) | {i.requirement_id for i in items if i.requirement_id}
        self.requirements = _by_id(session, Requirement, req_ids)
        self.counts = evidence_counts(session, req_ids)


def _suggestions(item: ReviewItem, page: _Page) -> list[SuggestionPublic]:
    pred = page.predictions.get(item.feedback_id or "")
    out = []
    if pred is not None:
        version = pred.model_version
        out.append(SuggestionPublic(field="kind", value=pred.kind, score=pred.kind_score,
                                    model_version=version))  # fmt: skip
        scores = {k: float(v) for k, v in (pred.theme_scores or {}).items()}
        themes = page.pred_themes.get(pred.id, [])
        out.append(SuggestionPublic(
            field="themes", value=themes, score=min((scores.get(t, 0.0) for t in themes),
                                                    default=None), model_version=version,
        ))  # fmt: skip
    cand = page.candidates.get(item.subject_id) if item.item_type == "candidate" else None
    if cand is not None:
        out.append(SuggestionPublic(field="statement", value=cand.statement,
                                    score=cand.confidence, model_version=cand.model_version))  # fmt: skip
        link = page.first_link.get(cand.id, page.placed.get(cand.id))
        out.append(SuggestionPublic(field="requirement", value=link,
                                    model_version=cand.model_version))  # fmt: skip
    return out


def item_views(
    *, session: Session, items: Sequence[ReviewItem], key: ApiKey, now: datetime
) -> list[ItemPublic]:
    """The public shape of each item; original text only for admins, masked for the rest."""
    page = _Page(session, items)
    admin = key.role == "admin"
    out = []
    for item in items:
        fb = page.feedback.get(item.feedback_id or "")
        cand = page.candidates.get(item.subject_id) if item.item_type == "candidate" else None
        req_id = page.placed.get(cand.id) if cand is not None else item.requirement_id
        req = page.requirements.get(req_id or "")
        prop = page.proposals.get(item.subject_id) if item.item_type == "theme_proposal" else None
        leased = item.leased_by_key_id and item.lease_expires_at and item.lease_expires_at > now
        statement = item.statement
        if statement and not admin and item.item_type == "candidate":
            statement = mask_pii(statement)
        out.append(ItemPublic(
            id=item.id, type=item.item_type, status=item.status, version=item.version,
            score=item.score, uncertainty=item.uncertainty, priority=item.priority,
            source=item.source, account=item.account, kind=item.kind, themes=list(item.themes),
            statement=statement, duplicate_of=item.duplicate_of, received_at=item.received_at,
            requirement=RequirementRef(
                id=req.id, title=req.title, status=req.status,
                evidence_count=page.counts.get(req.id, 0),
            ) if req else None,
            feedback=FeedbackRef(
                id=fb.id, text=fb.masked_text, raw_text=fb.text if admin else None,
                source=fb.source, account_id=fb.account_id, account_name=fb.account_name,
                arr=fb.arr, received_at=fb.received_at,
                span=[cand.masked_start, cand.masked_end] if cand else None,
            ) if fb else None,
            proposal=ProposalRef(
                name=prop.name, keywords=list(prop.keywords), size=prop.size,
                cohesion=prop.cohesion, example_ids=list(prop.example_ids),
            ) if prop else None,
            suggestions=_suggestions(item, page),
            lease=LeasePublic(
                by=item.leased_by or "", expires_at=item.lease_expires_at,
                mine=item.leased_by_key_id == key.id,
            ) if leased else None,
            updated_at=item.updated_at,
        ))  # fmt: skip
    return out
