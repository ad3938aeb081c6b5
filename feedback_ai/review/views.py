"""Review items as the API shows them, loaded for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
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


def _rows(session: Session, columns: Sequence[Any], key: Any, ids: set[str]) -> dict[str, Any]:
    """Rows of just `columns` whose `key` is in `ids`, by key (no ORM objects: a page is hot)."""
    if not ids:
        return {}
    return {row[0]: row for row in session.execute(select(key, *columns).where(key.in_(ids)))}


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

    def __init__(self, session: Session, items: Sequence[ReviewItem], admin: bool) -> None:
        fids = {i.feedback_id for i in items if i.feedback_id}
        cids = {i.subject_id for i in items if i.item_type == "candidate"}
        F, C, P = Feedback, CandidateRequirement, Prediction
        self.feedback: dict[str, Any] = {}
        self.predictions: dict[str, Any] = {}
        if fids:
            # One query for the feedback and its current prediction (the model's suggestions).
            rows = session.execute(
                select(F.id, F.masked_text, F.text if admin else F.masked_text, F.source,
                       F.account_id, F.account_name, F.arr, F.received_at,
                       P.id.label("prediction_id"), P.model_version, P.kind, P.kind_score,
                       P.theme_scores)
                .outerjoin(P, and_(P.feedback_id == F.id, P.is_current))
                .where(F.id.in_(fids))
            )  # fmt: skip
            for row in rows:
                self.feedback[row.id] = row
                if row.prediction_id is not None:
                    self.predictions[row.id] = row
        self.candidates = _rows(session, [
            C.statement, C.confidence, C.model_version, C.masked_start, C.masked_end,
        ], C.id, cids)  # fmt: skip
        self.proposals = _rows(session, [
            ThemeProposal.name, ThemeProposal.keywords, ThemeProposal.size,
            ThemeProposal.cohesion, ThemeProposal.example_ids,
        ], ThemeProposal.id, {i.subject_id for i in items if i.item_type == "theme_proposal"})  # fmt: skip
        self.pred_themes = prediction_themes(
            session, [p.prediction_id for p in self.predictions.values()]
        )
        self.placed: dict[str, str] = {}
        self.first_link: dict[str, Any] = {}
        self.requirements: dict[str, Any] = {}
        R, E = Requirement, RequirementEvidence
        if cids:
            for link in session.execute(
                select(E.candidate_id, R.id, R.title, R.status)
                .join(R, R.id == E.requirement_id).where(E.candidate_id.in_(cids))
            ):  # fmt: skip
                self.placed[link.candidate_id] = link.id
                self.requirements[link.id] = link
        # Only an item written to (version > 1) can have decisions on its candidate's link.
        decided = {i.subject_id for i in items if i.item_type == "candidate" and i.version > 1}
        if decided:
            # The model's placement is the value shown before the first decision on the link.
            for sid, before in session.execute(
                select(ReviewDecision.subject_id, ReviewDecision.before)
                .where(ReviewDecision.subject_type == "candidate",
                       ReviewDecision.field == "requirement",
                       ReviewDecision.subject_id.in_(decided))
                .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
            ):  # fmt: skip
                self.first_link[sid] = before
        self.counts = evidence_counts(session, set(self.requirements))


def _suggestions(item: ReviewItem, page: _Page) -> list[SuggestionPublic]:
    pred = page.predictions.get(item.feedback_id or "")
    out = []
    if pred is not None:
        version = pred.model_version
        out.append(SuggestionPublic(field="kind", value=pred.kind, score=pred.kind_score,
                                    model_version=version))  # fmt: skip
        scores = {k: float(v) for k, v in (pred.theme_scores or {}).items()}
        themes = page.pred_themes.get(pred.prediction_id, [])
        out.append(SuggestionPublic(
            field="themes", value=themes, score=min((scores.get(t, 0.0) for t in themes),
                                                    default=None), model_version=version,
        ))  # fmt: skip
    cand = page.candidates.get(item.subject_id) if item.item_type == "candidate" else None
    if cand is not None:
        out.append(SuggestionPublic(field="statement", value=cand.statement,
                                    score=cand.confidence, model_version=cand.model_version))  # fmt: skip
        link = page.first_link.get(item.subject_id, page.placed.get(item.subject_id))
        out.append(SuggestionPublic(field="requirement", value=link,
                                    model_version=cand.model_version))  # fmt: skip
    return out


def item_views(
    *, session: Session, items: Sequence[ReviewItem], key: ApiKey, now: datetime
) -> list[ItemPublic]:
    """The public shape of each item; original text only for admins, masked for the rest."""
    admin = key.role == "admin"
    page = _Page(session, items, admin)
    out = []
    for item in items:
        fb = page.feedback.get(item.feedback_id or "")
        cand = page.candidates.get(item.subject_id) if item.item_type == "candidate" else None
        req_id = page.placed.get(item.subject_id) if cand is not None else None
        req = page.requirements.get(req_id or "")
        prop = page.proposals.get(item.subject_id) if item.item_type == "theme_proposal" else None
        leased = item.leased_by_key_id and item.lease_expires_at and item.lease_expires_at > now
        statement = item.statement
        if statement and not admin and item.item_type == "candidate":
            statement = mask_pii(statement)
        out.append(ItemPublic(
            id=item.id, type=item.item_type, status=item.status,  # type: ignore[arg-type]
            version=item.version,
            score=item.score, uncertainty=item.uncertainty, priority=item.priority,
            source=item.source, account=item.account, kind=item.kind, themes=list(item.themes),
            statement=statement, duplicate_of=item.duplicate_of, received_at=item.received_at,
            requirement=RequirementRef(
                id=req.id, title=req.title, status=req.status,
                evidence_count=page.counts.get(req.id, 0),
            ) if req else None,
            feedback=FeedbackRef(
                id=fb[0], text=fb.masked_text, raw_text=fb[2] if admin else None,
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
                by=item.leased_by or "", expires_at=item.lease_expires_at or now,
                mine=item.leased_by_key_id == key.id,
            ) if leased else None,
            updated_at=item.updated_at,
        ))  # fmt: skip
    return out
