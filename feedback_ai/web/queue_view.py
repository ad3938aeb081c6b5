"""What a queue item panel shows beyond the review item: confidences, top terms, the suggested
requirement's accounts and ARR, and the numbered theme choices for the 1-9 keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.feedback.convert import explanations_public
from feedback_ai.feedback.models import Feedback, Prediction
from feedback_ai.requirements.aggregates import account_key
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.review.schemas import ItemPublic
from feedback_ai.themes.models import CustomTheme
from feedback_ai.web.format import Highlighted, highlight

KINDS = ("bug", "feature_request", "question", "complaint", "praise", "other")


@dataclass(frozen=True, slots=True)
class Figures:
    """A requirement's distinct accounts and their ARR (each account at its latest ARR)."""

    distinct_accounts: int
    arr: float


def account_figures(*, session: Session, requirement_ids: Sequence[str]) -> dict[str, Figures]:
    """Accounts and ARR per requirement, from four columns per evidence row: the queue shows 50
    requirements at a time, and the full aggregates (kinds, trend, urgency) cost 2 ms each."""
    arr: dict[str, dict[str, float]] = {rid: {} for rid in requirement_ids}
    # Two index lookups (evidence by requirement, then feedback by primary key): a join lets
    # PostgreSQL scan the whole feedback table.
    links = session.execute(
        select(RequirementEvidence.requirement_id, RequirementEvidence.feedback_id)
        .where(RequirementEvidence.requirement_id.in_(set(requirement_ids)))
    ).all()  # fmt: skip
    fids = list({f for _r, f in links})
    accounts: dict[str, tuple[object, str | None, float | None]] = {}
    for chunk in (fids[i : i + 1000] for i in range(0, len(fids), 1000)):
        query = select(Feedback.id, Feedback.received_at, Feedback.account_id,
                       Feedback.account_name, Feedback.arr).where(Feedback.id.in_(chunk))  # fmt: skip
        for fid, received, account_id, account_name, value in session.execute(query):
            accounts[fid] = ((received, fid), account_key(account_id, account_name), value)
    for rid, fid in sorted(links, key=lambda link: accounts[link[1]][0]):  # type: ignore[arg-type,return-value]
        _when, account, value = accounts[fid]
        if account is not None:
            arr[rid][account] = float(value or 0.0)  # oldest first: the latest wins
    return {rid: Figures(len(a), round(sum(a.values()), 2)) for rid, a in arr.items()}


@dataclass
class PanelExtras:
    """Per item: theme and kind confidences, top terms per label, the requirement's figures."""

    theme_scores: dict[str, float] = field(default_factory=dict)
    kind_score: float | None = None
    terms: dict[str, list[str]] = field(default_factory=dict)
    requirement: Figures | None = None
    text: Highlighted | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)


def theme_choices(*, session: Session, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(id, name) of every theme a PM can toggle, taxonomy first then custom; keys 1-9 pick
    the first nine."""
    custom = [(t.id, t.name) for t in session.scalars(select(CustomTheme).order_by(CustomTheme.id))]
    return sorted(names.items(), key=lambda kv: kv[1].lower()) + custom


def ordered_choices(
    choices: Sequence[tuple[str, str]], shown: Sequence[str], scores: Mapping[str, float]
) -> list[tuple[str, str]]:
    """The item's themes first, then the model's likeliest: keys 1-9 reach what a PM most
    often toggles."""
    rank = {tid: i for i, tid in enumerate(shown)}
    return sorted(choices, key=lambda c: (c[0] not in rank, rank.get(c[0], 0),
                                          -scores.get(c[0], 0.0)))  # fmt: skip


def panel_extras(
    *, session: Session, items: Sequence[ItemPublic], choices: Sequence[tuple[str, str]] = ()
) -> dict[str, PanelExtras]:
    """Extras for each item id, loaded in three queries for the page."""
    fids = {i.feedback.id for i in items if i.feedback}
    preds = {}
    if fids:
        query = select(Prediction).where(Prediction.feedback_id.in_(fids), Prediction.is_current)
        preds = {p.feedback_id: p for p in session.scalars(query)}
    req_ids = [i.requirement.id for i in items if i.requirement]
    aggs = account_figures(session=session, requirement_ids=req_ids)
    out = {}
    for item in items:
        extra = PanelExtras()
        if item.feedback:
            span = item.feedback.span
            extra.text = highlight(item.feedback.text, *(span if span else (None, None)))
            pred = preds.get(item.feedback.id)
            if pred is not None:
                extra.theme_scores = {k: float(v) for k, v in (pred.theme_scores or {}).items()}
                extra.kind_score = pred.kind_score
                for exp in explanations_public(pred.explanations or [], item.feedback.text):
                    extra.terms[exp.label] = [t.term for t in exp.terms[:5]]
        extra.choices = ordered_choices(choices, item.themes, extra.theme_scores)
        if item.requirement:
            extra.requirement = aggs.get(item.requirement.id)
        out[item.id] = extra
    return out
