"""Retrain from PM decisions: decisions in the database become a snapshot, a challenger is gated
against the champion, and only a challenger that is not worse is promoted (ml/training/retrain.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.errors import FeedbackAIError
from feedback_ai.feedback.models import CandidateRequirement, Feedback
from feedback_ai.ml.training.decisions import Decision
from feedback_ai.ml.training.retrain import DEFAULT_TOLERANCE, RetrainResult, retrain
from feedback_ai.review.decisions import ACTIVE, decisions_for_training
from feedback_ai.review.models import ReviewDecision
from feedback_ai.serving import champion, registry


class TooFewDecisions(FeedbackAIError):
    """Fewer new decisions than asked for since the champion was registered: nothing to learn."""

    def __init__(self, fresh: int, wanted: int) -> None:
        super().__init__(f"{fresh} new decisions since the champion; waiting for {wanted}")
        self.fresh = fresh
        self.wanted = wanted


@dataclass(frozen=True, slots=True)
class RetrainInputs:
    """What a challenger is trained on and judged against, read in one short transaction."""

    decisions: list[Decision]
    new_decisions: int
    champion_version: str | None
    champion_path: Path | None


@dataclass(frozen=True, slots=True)
class RetrainOutcome:
    """What a retrain did: the challenger, its verdict, and whether it now serves."""

    result: RetrainResult
    decisions: int
    promoted: bool


def training_decisions(*, session: Session) -> list[Decision]:
    """The latest human decision per item and field, as training records with the item's text.

    Kind and theme relabels label the feedback; a candidate placed in a requirement labels its
    sentence a requirement, a rejected one labels it not one.
    """
    rows = decisions_for_training(session=session)
    texts = _feedback(session, {r.feedback_id for r in rows if r.feedback_id})
    candidates = _candidates(session, {r.subject_id for r in rows if r.subject_type == "candidate"})
    out: list[Decision] = []
    for r in rows:
        feedback = texts.get(r.feedback_id or "")
        if feedback is None:
            continue
        text, source = feedback
        if r.subject_type == "feedback" and r.field in ("kind", "themes"):
            out.append(Decision(r.feedback_id or "", text, source, r.field, r.value, r.decided_at))
        elif r.subject_type == "candidate" and r.field == "requirement":
            cand = candidates.get(r.subject_id)
            if cand is None:
                continue
            value = {"sentence": cand[0], "accepted": r.value is not None, "statement": cand[1]}
            out.append(
                Decision(
                    r.feedback_id or "", text, source, "requirement_sentence", value, r.decided_at
                )
            )
    return out


def _feedback(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = session.execute(
        select(Feedback.id, Feedback.text, Feedback.source).where(Feedback.id.in_(ids))
    )
    return {r.id: (r.text, r.source) for r in rows}


def _candidates(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = session.execute(
        select(
            CandidateRequirement.id, CandidateRequirement.sentence, CandidateRequirement.statement
        ).where(CandidateRequirement.id.in_(ids))
    )
    return {r.id: (r.sentence, r.statement) for r in rows}


def new_decisions(*, session: Session) -> int:
    """Active decisions made since the champion was registered (all of them without one)."""
    record = champion.current_champion(session=session)
    query = select(func.count()).select_from(ReviewDecision).where(*ACTIVE)
    if record is not None:
        query = query.where(ReviewDecision.decided_at > record.created_at)
    return int(session.scalar(query) or 0)


def retrain_inputs(*, session: Session, min_new_decisions: int = 0) -> RetrainInputs:
    """Every decision and the champion's verified folder, or TooFewDecisions."""
    fresh = new_decisions(session=session)
    if fresh < min_new_decisions:
        raise TooFewDecisions(fresh, min_new_decisions)
    decisions = training_decisions(session=session)
    current = champion.current_champion(session=session)
    champion_path = registry.check_artifact(record=current) if current is not None else None
    # The session holds no transaction while the challenger trains (minutes).
    session.commit()
    return RetrainInputs(
        decisions=decisions,
        new_decisions=fresh,
        champion_version=current.version if current is not None else None,
        champion_path=champion_path,
    )


def refusal_reason(result: RetrainResult) -> str:
    """The gate's reasons in one line."""
    return "; ".join(str(r) for r in result.comparison.get("reasons", [])) or "worse"


def register_challenger(*, session: Session, result: RetrainResult, actor: str) -> None:
    """Register the challenger; a refused one is kept with the gate's reasons."""
    if result.promote:
        registry.register_model(session=session, path=result.path, actor=actor)
    else:
        registry.register_model(
            session=session, path=result.path, actor=actor, status="refused",
            reason=refusal_reason(result),
        )  # fmt: skip


def retrain_from_decisions(
    *,
    session: Session,
    models_dir: Path,
    actor: str,
    tolerance: float = DEFAULT_TOLERANCE,
    force: bool = False,
    min_new_decisions: int = 0,
) -> RetrainOutcome:
    """Train a challenger on the seed plus every decision; promote it only if not worse."""
    inputs = retrain_inputs(session=session, min_new_decisions=min_new_decisions)
    result = retrain(
        models_dir=models_dir,
        decisions=inputs.decisions,
        champion_path=inputs.champion_path,
        tolerance=tolerance,
        force=force,
    )
    register_challenger(session=session, result=result, actor=actor)
    if result.promote:
        champion.promote(
            session=session, version=result.version, actor=actor, reason="retrain", force=force
        )
    session.commit()
    return RetrainOutcome(result=result, decisions=len(inputs.decisions), promoted=result.promote)
