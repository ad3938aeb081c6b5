"""What the requirement and model pages show, read from the services; PII masked for non-admins."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.db import utcnow
from feedback_ai.errors import ArtifactError
from feedback_ai.feedback.models import CandidateRequirement, Feedback
from feedback_ai.ml import FeedbackModel, resolve_model_dir
from feedback_ai.ml.themes.trends import bucket_counts
from feedback_ai.requirements import service
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.review.decisions import ACTIVE, active_decisions
from feedback_ai.review.models import ReviewDecision
from feedback_ai.web.charts import BarChart, bar_chart
from feedback_ai.web.format import Highlighted, highlight, highlight_sentence
from feedback_ai.web.trail import TrailRow, audit_trail


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One evidence span shown in its item's text (masked unless the viewer is an admin)."""

    feedback_id: str
    text: Highlighted
    statement: str
    account: str | None
    arr: float | None
    source: str
    received: str
    score: float  # how closely it matched the requirement when it joined
    opened: bool  # it opened the requirement: it matched nothing, so `score` means nothing
    # A PM put it here ("merged by ann"): it was stored with a score of 1, which means nothing.
    placed: str | None = None


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account's share of a requirement: items and ARR."""

    account: str
    items: int
    arr: float | None


@dataclass
class RequirementPage:
    """Everything on a requirement's page."""

    view: service.RequirementView
    evidence: list[EvidenceRow]
    accounts: list[AccountRow]
    weekly: BarChart
    daily: BarChart
    audit: list[TrailRow] = field(default_factory=list)
    merged_into_title: str | None = None


def _shown(fb: Feedback, cand: CandidateRequirement | None, ev_start: int, ev_end: int,
           sentence: str, *, admin: bool) -> Highlighted:  # fmt: skip
    if admin:
        return highlight(fb.text, ev_start, ev_end)
    if cand is not None and cand.start == ev_start and cand.end == ev_end:
        return highlight(fb.masked_text, cand.masked_start, cand.masked_end)
    return highlight_sentence(fb.masked_text, sentence)  # the candidate went with a retrain


def _opener(
    req: service.Requirement, evidence: list[RequirementEvidence]
) -> RequirementEvidence | None:
    """The evidence that opened the requirement: the first whose statement became its title.

    Opening takes the statement as the suggested title; evidence merged in from another
    requirement, or a statement a PM edited since, does not match it and keeps its score.
    """
    return next((ev for ev in evidence if ev.statement == req.suggested_title), None)


PLACED = {"merge": "merged", "accept": "accepted"}


def _placed_by(decisions: dict[str, ReviewDecision], candidate_id: str | None) -> str | None:
    """Who put the candidate where its evidence is: its active placement decision, in words.

    Evidence a PM placed is stored with score 1 (placement.py and review/apply.py), which would
    read as a perfect match; a placement confirmed where the model had put it is scored 1 after
    the next relink too. Either way the decision, not a score, is what put it there.
    """
    d = decisions.get(candidate_id or "")
    if d is None or d.value is None:
        return None
    return f"{PLACED.get(d.action, 'placed')} by {d.decided_by}"


def requirement_page(
    *, session: Session, requirement_id: str, admin: bool
) -> RequirementPage | None:
    """The requirement, its highlighted evidence, account breakdown, trend and audit trail."""
    found = service.get_requirement(session=session, requirement_id=requirement_id)
    if found is None:
        return None
    view, evidence = found
    items = {f.id: f for f in session.scalars(
        select(Feedback).where(Feedback.id.in_({e.feedback_id for e in evidence})))}  # fmt: skip
    cand_ids = {e.candidate_id for e in evidence if e.candidate_id}
    cands = {c.id: c for c in session.scalars(
        select(CandidateRequirement).where(CandidateRequirement.id.in_(cand_ids)))}  # fmt: skip
    opener = _opener(view.requirement, evidence)
    placements = active_decisions(session=session, subject_type="candidate", field="requirement",
                                  subject_ids=sorted(cand_ids))  # fmt: skip
    rows: list[EvidenceRow] = []
    per_account: dict[str, tuple[int, float | None]] = {}
    for ev in evidence:
        fb = items[ev.feedback_id]
        account = fb.account_name or fb.account_id
        rows.append(EvidenceRow(
            fb.id, _shown(fb, cands.get(ev.candidate_id or ""), ev.start, ev.end, ev.sentence,
                          admin=admin),
            ev.statement, account, fb.arr, fb.source, fb.received_at.date().isoformat(), ev.score,
            ev is opener, _placed_by(placements, ev.candidate_id),
        ))  # fmt: skip
        if account:
            n, arr = per_account.get(account, (0, None))
            per_account[account] = (n + 1, fb.arr if fb.arr is not None else arr)
    accounts = sorted((AccountRow(a, n, arr) for a, (n, arr) in per_account.items()),
                      key=lambda r: (-(r.arr or 0), -r.items, r.account))  # fmt: skip
    today = utcnow().date()
    received = view.aggregates.received
    since = today - timedelta(days=29)
    daily = bucket_counts([t for t in received if t.date() >= since], unit="day", start=since,
                          end=today)  # fmt: skip
    weekly = bucket_counts(received, unit="week", start=today - timedelta(weeks=11), end=today)
    merged = list(session.scalars(select(service.Requirement.id).where(
        service.Requirement.merged_into == requirement_id)))  # fmt: skip
    into = view.requirement.merged_into
    into_title = session.scalar(
        select(service.Requirement.title).where(service.Requirement.id == into)
    ) if into else None  # fmt: skip
    return RequirementPage(
        view,
        rows,
        accounts,
        bar_chart(weekly),
        bar_chart(daily),
        audit_trail(session=session, requirement_ids=[requirement_id, *merged]),
        into_title,
    )


@dataclass(frozen=True, slots=True)
class ModelPage:
    """The served model: version, metric rows from its card, and human labels since."""

    version: str | None
    metrics: list[tuple[str, str]]
    card: str
    decisions_waiting: int
    trained_at: str | None


def _flatten(prefix: str, value: object, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k in sorted(value):
            _flatten(f"{prefix}.{k}" if prefix else str(k), value[k], out)
    elif isinstance(value, float):
        out.append((prefix, f"{value:.3f}"))
    elif isinstance(value, int | str):
        out.append((prefix, str(value)))


def model_page(*, session: Session, model: FeedbackModel | None, models_dir: Path) -> ModelPage:
    """The model card's metrics and how many human decisions arrived since the model was saved."""
    if model is None:
        return ModelPage(None, [], "", 0, None)
    metrics: list[tuple[str, str]] = []
    card, trained_at = "", None
    try:
        directory = resolve_model_dir(models_dir, model.version)
        _flatten("", json.loads((directory / "metrics.json").read_text()), metrics)
        card_file = directory / "MODEL_CARD.md"
        card = card_file.read_text() if card_file.exists() else ""
        trained_at = directory.stat().st_mtime
    except (ArtifactError, OSError, ValueError):
        pass
    since = None if trained_at is None else datetime.fromtimestamp(trained_at, tz=UTC)
    # Active PM decisions (not undone, not superseded) made after the model was saved.
    decisions = select(func.count(ReviewDecision.id)).where(*ACTIVE)
    if since is not None:
        decisions = decisions.where(ReviewDecision.decided_at >= since)
    waiting = session.scalar(decisions) or 0
    return ModelPage(model.version, metrics, card, waiting,
                     since.strftime("%Y-%m-%d %H:%M UTC") if since else None)  # fmt: skip
