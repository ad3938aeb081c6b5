"""Aggregates of a requirement's evidence: volume, accounts, ARR, sources, trend."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.ml.themes.priority import PrioritySignals, is_negative
from feedback_ai.ml.themes.trends import Trend, window_trend
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.review import shown


@dataclass(slots=True)
class Aggregates:
    """Counts over the distinct feedback items linked to one requirement."""

    feedback_count: int = 0
    distinct_accounts: int = 0
    arr: float = 0.0  # each account counted once, at the ARR of its latest feedback
    by_source: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    trend: Trend = field(default_factory=lambda: Trend(0, 0, None))
    negative: int = 0
    received: list[datetime] = field(default_factory=list)

    def signals(self) -> PrioritySignals:
        """Inputs of the priority score."""
        return PrioritySignals(
            distinct_accounts=self.distinct_accounts,
            arr=self.arr,
            last_seen=self.last_seen,
            kinds=self.by_kind,
            negative=self.negative,
            evidence=self.feedback_count,
        )


def account_key(account_id: str | None, account_name: str | None) -> str | None:
    """Accounts are told apart by id, else by name; None when the item names no account."""
    return f"id:{account_id}" if account_id else (f"name:{account_name}" if account_name else None)


def aggregate(
    *, session: Session, requirement_ids: list[str], now: datetime
) -> dict[str, Aggregates]:
    """Aggregates for each requirement id (empty ones included)."""
    out = {rid: Aggregates() for rid in requirement_ids}
    if not requirement_ids:
        return out
    query = (
        select(
            RequirementEvidence.requirement_id,
            Feedback.id,
            Feedback.account_id,
            Feedback.account_name,
            Feedback.arr,
            Feedback.source,
            Feedback.received_at,
            Feedback.masked_text,
            shown.kind_of(Feedback.id),  # a PM's relabel, else the model's kind
        )
        .join(Feedback, Feedback.id == RequirementEvidence.feedback_id)
        .where(RequirementEvidence.requirement_id.in_(requirement_ids))
        .order_by(RequirementEvidence.requirement_id, Feedback.received_at, Feedback.id)
    )
    seen: set[tuple[str, str]] = set()
    arr_by_account: dict[str, dict[str, float]] = {rid: {} for rid in requirement_ids}
    for rid, fid, acc_id, acc_name, arr, source, received, text, kind in session.execute(query):
        if (rid, fid) in seen:
            continue
        seen.add((rid, fid))
        agg = out[rid]
        agg.feedback_count += 1
        agg.by_source[source] = agg.by_source.get(source, 0) + 1
        if kind:
            agg.by_kind[kind] = agg.by_kind.get(kind, 0) + 1
        agg.negative += is_negative(text, kind=kind)
        agg.received.append(received)
        agg.first_seen = agg.first_seen or received
        agg.last_seen = received
        account = account_key(acc_id, acc_name)
        if account is not None:
            arr_by_account[rid][account] = float(arr or 0.0)  # rows are oldest first: latest wins
    for rid, agg in out.items():
        agg.distinct_accounts = len(arr_by_account[rid])
        agg.arr = round(sum(arr_by_account[rid].values()), 2)
        agg.trend = window_trend(agg.received, now=now)
        agg.by_source = dict(sorted(Counter(agg.by_source).items()))
    return out
