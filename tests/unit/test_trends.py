"""Trends: zero-filled buckets, 30-vs-30 windows, and the emerging test."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from feedback_ai.ml.themes.trends import bucket_counts, bucket_start, emerging_test, window_trend

NOW = datetime(2026, 3, 31, 12, 0)


def days_ago(*ages: int) -> list[datetime]:
    return [NOW - timedelta(days=a) for a in ages]


def test_daily_buckets_are_zero_filled():
    counts = bucket_counts([date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 3)])
    assert counts == [(date(2026, 3, 1), 2), (date(2026, 3, 2), 0), (date(2026, 3, 3), 1)]


def test_weekly_buckets_start_on_monday():
    assert bucket_start(date(2026, 3, 5), unit="week") == date(2026, 3, 2)
    counts = bucket_counts([date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9)], unit="week")
    assert counts == [(date(2026, 3, 2), 2), (date(2026, 3, 9), 1)]


def test_bucket_range_can_be_forced():
    counts = bucket_counts([], start=date(2026, 1, 1), end=date(2026, 1, 3))
    assert [n for _, n in counts] == [0, 0, 0]


def test_thirty_vs_thirty():
    trend = window_trend(days_ago(0, 5, 29, 30, 45, 59, 60, 90), now=NOW)
    assert (trend.current, trend.previous) == (3, 3)
    assert trend.change == 0.0
    assert window_trend(days_ago(1), now=NOW).change is None


def test_spike_against_own_baseline_is_emerging():
    baseline = list(range(7, 63, 7))  # one a week for eight weeks
    result = emerging_test(days_ago(*baseline, 0, 1, 1, 2, 3, 4, 5, 6), now=NOW)
    assert result.emerging and result.p_value < 0.01 and result.rate_ratio > 2


def test_steady_volume_is_not_emerging():
    steady = emerging_test(days_ago(*range(0, 63)), now=NOW)  # one a day throughout
    assert not steady.emerging and steady.p_value > 0.1


def test_small_counts_never_emerge():
    assert not emerging_test(days_ago(0, 1), now=NOW).emerging
