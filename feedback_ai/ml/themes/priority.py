"""A transparent priority score: weighted, normalised signals, returned with their breakdown.

score = 100 * sum(weight_i * signal_i) / sum(weight_i), each signal in [0, 1]:
- accounts: log(1 + distinct accounts) / log(1 + accounts_ref), capped at 1;
- arr: log(1 + ARR sum) / log(1 + arr_ref), capped at 1;
- recency: 0.5 ** (days since last seen / half_life_days);
- kind: mean kind value of the evidence (bug 1.0, complaint 0.8, feature request 0.6, ...);
- negative: share of evidence that is negative or urgent (see `is_negative`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_KIND_VALUES: Mapping[str, float] = {
    "bug": 1.0,
    "complaint": 0.8,
    "feature_request": 0.6,
    "question": 0.3,
    "other": 0.2,
    "praise": 0.0,
}
_URGENT = re.compile(
    r"\b(urgent|asap|blocker|blocking|critical|showstopper|deal[\s-]?breaker|churn|cancel\w*|"
    r"switch(ing)? to|losing|lost|unusable|can ?not work|escalat\w*|deadline|renewal)\b",
    re.IGNORECASE,
)
_NEGATIVE_KINDS = frozenset({"bug", "complaint"})


@dataclass(frozen=True, slots=True)
class PriorityWeights:
    """Weights and reference points; every field can be set from settings."""

    accounts: float = 0.35
    arr: float = 0.25
    recency: float = 0.15
    kind: float = 0.10
    negative: float = 0.15
    accounts_ref: int = 50  # this many distinct accounts saturates the signal
    arr_ref: float = 1_000_000.0  # this ARR sum saturates the signal
    half_life_days: float = 30.0
    kind_values: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_VALUES))


@dataclass(frozen=True, slots=True)
class PrioritySignals:
    """Aggregates of one requirement's evidence."""

    distinct_accounts: int = 0
    arr: float = 0.0
    last_seen: datetime | None = None
    kinds: Mapping[str, int] = field(default_factory=dict)
    negative: int = 0  # evidence items that are negative or urgent
    evidence: int = 0


@dataclass(frozen=True, slots=True)
class Component:
    """One line of the breakdown: raw value, normalised signal, weight and points contributed."""

    name: str
    value: float | None  # raw input: accounts, ARR, days since last seen, mean kind value, share
    signal: float
    weight: float
    points: float


@dataclass(frozen=True, slots=True)
class Priority:
    """Score in [0, 100] and the components that add up to it."""

    score: float
    components: list[Component]


def is_negative(text: str, *, kind: str | None = None) -> bool:
    """Negative or urgent: a bug or complaint, or urgency words such as "blocker" or "churn"."""
    return kind in _NEGATIVE_KINDS or bool(_URGENT.search(text))


def _log_ratio(value: float, ref: float) -> float:
    return min(1.0, math.log1p(max(value, 0.0)) / math.log1p(ref)) if ref > 0 else 0.0


def priority_score(
    signals: PrioritySignals, *, now: datetime, weights: PriorityWeights | None = None
) -> Priority:
    """Weighted sum of normalised signals; see the module docstring for each formula."""
    w = weights or PriorityWeights()
    if signals.last_seen is None:
        age_days, recency = None, 0.0
    else:
        last = signals.last_seen
        if (last.tzinfo is None) != (now.tzinfo is None):
            last, now = last.replace(tzinfo=None), now.replace(tzinfo=None)
        age_days = max((now - last).total_seconds() / 86_400, 0.0)
        recency = 0.5 ** (age_days / w.half_life_days)
    total_kinds = sum(signals.kinds.values())
    kind = (
        sum(w.kind_values.get(k, 0.0) * n for k, n in signals.kinds.items()) / total_kinds
        if total_kinds
        else 0.0
    )
    negative = signals.negative / signals.evidence if signals.evidence else 0.0
    rows = [
        (
            "accounts",
            signals.distinct_accounts,
            _log_ratio(signals.distinct_accounts, w.accounts_ref),
        ),
        ("arr", signals.arr, _log_ratio(signals.arr, w.arr_ref)),
        ("recency", age_days, recency),
        ("kind", kind, kind),
        ("negative", negative, negative),
    ]
    total_weight = sum(getattr(w, name) for name, _, _ in rows) or 1.0
    components = []
    for name, value, signal in rows:
        weight = getattr(w, name)
        points = 100 * weight * signal / total_weight
        raw = None if value is None else round(float(value), 4)
        components.append(Component(name, raw, round(signal, 4), weight, round(points, 2)))
    return Priority(score=round(sum(c.points for c in components), 2), components=components)
