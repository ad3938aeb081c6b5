"""Priority: the math of each component, the breakdown adds up, and weights are configurable."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from feedback_ai.ml.themes.priority import (
    PrioritySignals,
    PriorityWeights,
    is_negative,
    priority_score,
)

NOW = datetime(2026, 3, 31)


def signals(**overrides) -> PrioritySignals:
    base = dict(distinct_accounts=10, arr=250_000.0, last_seen=NOW - timedelta(days=30),
                kinds={"feature_request": 3, "bug": 1}, negative=1, evidence=4)  # fmt: skip
    return PrioritySignals(**{**base, **overrides})


def test_breakdown_adds_up_to_the_score():
    result = priority_score(signals(), now=NOW)
    assert result.score == pytest.approx(sum(c.points for c in result.components), abs=0.05)
    parts = {c.name: c for c in result.components}
    assert parts["accounts"].signal == pytest.approx(math.log1p(10) / math.log1p(50), abs=1e-4)
    assert parts["recency"].signal == pytest.approx(0.5, abs=1e-4)  # one half-life
    assert parts["kind"].signal == pytest.approx((3 * 0.6 + 1.0) / 4, abs=1e-4)
    assert parts["negative"].signal == 0.25


def test_more_accounts_and_arr_rank_higher():
    low = priority_score(signals(distinct_accounts=2, arr=1_000), now=NOW)
    high = priority_score(signals(distinct_accounts=40, arr=900_000), now=NOW)
    assert high.score > low.score


def test_signals_saturate_at_reference():
    result = priority_score(signals(distinct_accounts=10_000, arr=1e9), now=NOW)
    parts = {c.name: c.signal for c in result.components}
    assert parts["accounts"] == 1.0 and parts["arr"] == 1.0


def test_weights_are_configurable():
    only_arr = PriorityWeights(accounts=0, arr=1, recency=0, kind=0, negative=0)
    result = priority_score(signals(arr=1_000_000), now=NOW, weights=only_arr)
    assert result.score == 100.0


def test_empty_requirement_scores_zero_without_errors():
    result = priority_score(PrioritySignals(), now=NOW)
    assert result.score == 0.0
    assert {c.name: c.value for c in result.components}["recency"] is None


def test_negative_detection():
    assert is_negative("This is a blocker for our renewal")
    assert is_negative("fine", kind="bug")
    assert not is_negative("Would love a dark mode", kind="feature_request")
