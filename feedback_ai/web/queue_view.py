"""What a queue item panel shows beyond the review item: confidences, top terms, the suggested
requirement's accounts and ARR, and the numbered theme choices for the 1-9 keys."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, case, func, literal, null, select
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


def account_key_sql() -> Any:
    """account_key() in SQL: 'id:<account_id>', else 'name:<account_name>', else NULL."""
    return case(
        (func.coalesce(Feedback.account_id, "") != "", literal("id:") + Feedback.account_id),
        (func.coalesce(Feedback.account_name, "") != "", literal("name:") + Feedback.account_name),
        else_=null(),
    )


def figures_by_sql(*, session: Session, requirement_ids: Sequence[str]) -> dict[str, Figures]:
    """Accounts and ARR per requirement in one query that returns a row per requirement."""
    out = {rid: Figures(0, 0.0) for rid in requirement_ids}
    if not out:
        return out
    account = account_key_sql().label("account")
    # One row per (requirement, feedback): a feedback may be evidence twice for one requirement.
    # A subquery on the evidence, not a join: PostgreSQL then probes feedback by primary key
    # instead of hashing the whole table.
    pairs = (
        select(RequirementEvidence.requirement_id, RequirementEvidence.feedback_id)
        .where(RequirementEvidence.requirement_id.in_(list(out)))
        .distinct()
        .subquery()
    )
    latest = func.row_number().over(
        partition_by=(pairs.c.requirement_id, account),
        order_by=(Feedback.received_at.desc(), Feedback.id.desc()),
    )
    ranked = (
        select(pairs.c.requirement_id, account, Feedback.arr, latest.label("rn"))
        .join(Feedback, Feedback.id == pairs.c.feedback_id)
        .where(account.isnot(None))  # type: ignore[attr-defined]
        .subquery()
    )
    query = (
        select(ranked.c.requirement_id, func.count(), func.sum(func.coalesce(ranked.c.arr, 0)))
        .where(ranked.c.rn == 1)  # each account at its latest ARR
        .group_by(ranked.c.requirement_id)
    )
    for rid, accounts, arr in session.execute(query):
        out[rid] = Figures(int(accounts), round(float(arr or 0.0), 2))
    return out


def _account_columns(session: Session, fids: list[str]) -> Iterator[Any]:
    """(id, received_at, account_id, account_name, arr) of each feedback id."""
    columns = select(Feedback.id, Feedback.received_at, Feedback.account_id,
                     Feedback.account_name, Feedback.arr)  # fmt: skip
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: as an expanding IN, rendering 2,500 placeholders (SQLAlchemy, then
        # psycopg) took longer than PostgreSQL took to read the rows (52 -> 36 ms for 50
        # requirements; the IN chunks were 66% of the candidate page's time under py-spy).
        ids = bindparam("fids", fids, type_=ARRAY(String))
        yield from session.execute(columns.where(Feedback.id == any_(ids)))
        return
    for chunk in (fids[i : i + 1000] for i in range(0, len(fids), 1000)):
        yield from session.execute(columns.where(Feedback.id.in_(chunk)))


def figures_by_rows(*, session: Session, requirement_ids: Sequence[str]) -> dict[str, Figures]:
    """Accounts and ARR per requirement from four columns of each evidence row's feedback."""
    arr: dict[str, dict[str, float]] = {rid: {} for rid in requirement_ids}
    # Two index lookups (evidence by requirement, then feedback by primary key in one list,
    # which PostgreSQL reads in heap order): its join hashed the whole feedback table instead.
    links = session.execute(
        select(RequirementEvidence.requirement_id, RequirementEvidence.feedback_id)
        .where(RequirementEvidence.requirement_id.in_(set(requirement_ids)))
    ).all()  # fmt: skip
    accounts: dict[str, tuple[Any, str | None, float | None]] = {}
    for fid, received, account_id, account_name, value in _account_columns(
        session, list({f for _r, f in links})
    ):
        accounts[fid] = ((received, fid), account_key(account_id, account_name), value)
    for rid, fid in sorted(links, key=lambda link: accounts[link[1]][0]):
        _when, account, value = accounts[fid]
        if account is not None:
            arr[rid][account] = float(value or 0.0)  # oldest first: the latest wins
    return {rid: Figures(len(a), round(sum(a.values()), 2)) for rid, a in arr.items()}


def account_figures(*, session: Session, requirement_ids: Sequence[str]) -> dict[str, Figures]:
    """Accounts and ARR per requirement (the queue shows 50 at a time), the faster way for the
    database. Measured at 100,000 items: SQLite, 50 requirements (2,534 evidence rows), 29 ms by
    rows, 22 ms in SQL; PostgreSQL, 50 requirements, 36 ms by rows (52 ms with the feedback ids
    as IN lists of bound parameters), 37 ms in SQL (it hashes the whole feedback table)."""
    if session.get_bind().dialect.name == "sqlite":
        return figures_by_sql(session=session, requirement_ids=requirement_ids)
    return figures_by_rows(session=session, requirement_ids=requirement_ids)


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
