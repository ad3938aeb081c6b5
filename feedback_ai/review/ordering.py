"""Queue orderings: which item a PM sees first. Every ordering is a stored score (higher first).

The queue always pages by (score desc, id desc) on one index, so an ordering only decides the
score; swapping one is `rescore(session=..., ordering=...)` plus the `review_ordering` setting.

Default, `priority_uncertainty` (feedback_ai.ml.training.active.review_score):

    score = uncertainty * (0.2 + 0.8 * priority)

- uncertainty in [0, 1], how much a human label would teach the model:
  - feedback: the prediction's stored uncertainty (kind margin, distance to theme thresholds);
  - candidate requirement: max(1 - the statement's confidence, the prediction's uncertainty);
  - theme proposal: 1 - cohesion of its cluster.
- priority in [0, 1], how much the ask matters:
  - feedback and candidates: log10(1 + ARR) / log10(1 + 1,000,000), capped at 1 (the account's
    ARR; an item with no ARR has priority 0 and keeps the 0.2 floor);
  - theme proposal: size / (size + 20).

`theme_spread` (feedback_ai.ml.training.active.spread_by_theme): the default score, then spread
over predicted themes, so that no theme floods the head of the queue with its confusions:

    tier  = (rank of the item among pending items of its type and first theme, by score) // 3
    score = (priority_uncertainty score + 9 - min(tier, 9)) / 10

i.e. the 3 best of every theme come before the 4th of any (feedback_ai/review/spread.py re-ranks the
pending items after each sync and rescore). bench/learning_curve.py measures both (`queue`, `diverse`).

`newest` scores by the time the feedback was received (proposals: when they were proposed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from feedback_ai.ml.training.active import PER_THEME, review_score

ARR_CAP = 1_000_000.0
PROPOSAL_HALF_SIZE = 20


@dataclass(frozen=True, slots=True)
class Inputs:
    """What an ordering may read about one item."""

    item_type: str
    uncertainty: float
    priority: float
    received_at: datetime | None


class Ordering(Protocol):
    """A way to score queue items; higher scores come first."""

    name: str

    def score(self, inputs: Inputs) -> float:
        """The item's stored sort key."""
        ...


def arr_priority(arr: float | None) -> float:
    """ARR as a priority in [0, 1] on a log scale up to ARR_CAP."""
    if not arr or arr <= 0:
        return 0.0
    return min(1.0, math.log10(1.0 + arr) / math.log10(1.0 + ARR_CAP))


def proposal_priority(size: int) -> float:
    """A proposal's priority in [0, 1] from the number of items it would label."""
    return size / (size + PROPOSAL_HALF_SIZE) if size > 0 else 0.0


def candidate_uncertainty(confidence: float | None, prediction: float | None) -> float:
    """How unsure the model is of a candidate requirement and of its item's labels."""
    return round(max(1.0 - float(confidence or 0.0), float(prediction or 0.0), 0.0), 4)


class PriorityUncertainty:
    """priority x uncertainty: the labels that teach the model most, on the asks that matter."""

    name = "priority_uncertainty"

    def score(self, inputs: Inputs) -> float:
        """review_score(uncertainty, priority)."""
        return round(review_score(uncertainty=inputs.uncertainty, priority=inputs.priority), 6)


class ThemeSpread(PriorityUncertainty):
    """priority x uncertainty, spread over predicted themes by a queue-wide pass (spread.py)."""

    name = "theme_spread"
    per_theme = PER_THEME


class Newest:
    """The most recently received first."""

    name = "newest"

    def score(self, inputs: Inputs) -> float:
        """Seconds since the epoch of the receipt (0 when unknown)."""
        return inputs.received_at.timestamp() if inputs.received_at else 0.0


ORDERINGS: dict[str, Ordering] = {
    o.name: o for o in (PriorityUncertainty(), ThemeSpread(), Newest())
}


def ordering_named(name: str) -> Ordering:
    """The ordering called `name`; ValueError names the known ones."""
    try:
        return ORDERINGS[name]
    except KeyError:
        raise ValueError(f"unknown ordering {name!r}; use one of {', '.join(ORDERINGS)}") from None
