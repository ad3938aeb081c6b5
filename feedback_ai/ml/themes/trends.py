"""Volume over time: daily/weekly buckets, 30-vs-30 trend, emerging detection by an exact test.

Emerging test. Let k be the items in the recent window (w days) and b those in the baseline window
(the B days before it). If the daily rate did not change, then given n = k + b, k follows
Binomial(n, w / (w + B)): the exact conditional test for the ratio of two Poisson rates. An item is
emerging when the one-sided p-value P(K >= k) is below `alpha` (default 0.01), k >= `min_count`
(default 5) and the rate ratio (k / w) / ((b + 0.5) / B) is at least `min_ratio` (default 2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from scipy.stats import binom

Unit = Literal["day", "week"]


@dataclass(frozen=True, slots=True)
class Trend:
    """Counts in the last `days` against the `days` before, and the relative change."""

    current: int
    previous: int
    change: float | None  # (current - previous) / previous; None when previous is 0


@dataclass(frozen=True, slots=True)
class Emerging:
    """Outcome of the emerging test for one item."""

    recent: int
    baseline: int
    rate_ratio: float
    p_value: float
    emerging: bool


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def bucket_start(value: datetime | date, *, unit: Unit = "day") -> date:
    """The first day of the bucket holding `value` (weeks start on Monday)."""
    day = _day(value)
    return day - timedelta(days=day.weekday()) if unit == "week" else day


def bucket_counts(
    times: Iterable[datetime | date],
    *,
    unit: Unit = "day",
    start: date | None = None,
    end: date | None = None,
) -> list[tuple[date, int]]:
    """Counts per day or week, zero-filled from start to end (defaults: first and last item)."""
    counts = Counter(bucket_start(t, unit=unit) for t in times)
    if not counts and (start is None or end is None):
        return []
    first = bucket_start(start, unit=unit) if start else min(counts)
    last = bucket_start(end, unit=unit) if end else max(counts)
    step = timedelta(days=7 if unit == "week" else 1)
    out, day = [], first
    while day <= last:
        out.append((day, counts.get(day, 0)))
        day += step
    return out


def _split_counts(
    times: Iterable[datetime | date], *, today: date, recent_days: int, before_days: int
) -> tuple[int, int]:
    """Items in the last `recent_days` days, and in the `before_days` days before those."""
    recent = before = 0
    for t in times:
        age = (today - _day(t)).days
        if 0 <= age < recent_days:
            recent += 1
        elif recent_days <= age < recent_days + before_days:
            before += 1
    return recent, before


def window_trend(
    times: Iterable[datetime | date], *, now: datetime | date, days: int = 30
) -> Trend:
    """Items in (now - days, now] against (now - 2*days, now - days]."""
    current, previous = _split_counts(times, today=_day(now), recent_days=days, before_days=days)
    change = (current - previous) / previous if previous else None
    return Trend(current=current, previous=previous, change=change)


def emerging_test(
    times: Iterable[datetime | date],
    *,
    now: datetime | date,
    window_days: int = 7,
    baseline_days: int = 56,
    alpha: float = 0.01,
    min_count: int = 5,
    min_ratio: float = 2.0,
) -> Emerging:
    """Is the recent rate significantly above the item's own baseline? See the module docstring."""
    recent, baseline = _split_counts(
        times, today=_day(now), recent_days=window_days, before_days=baseline_days
    )
    n = recent + baseline
    share = window_days / (window_days + baseline_days)
    p_value = float(binom.sf(recent - 1, n, share)) if recent else 1.0
    ratio = (recent / window_days) / ((baseline + 0.5) / baseline_days)
    flag = p_value < alpha and recent >= min_count and ratio >= min_ratio
    return Emerging(recent, baseline, round(ratio, 4), p_value, flag)
