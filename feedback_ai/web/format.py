"""Template filters and text helpers: money, counts, trends, priority signals, dates, spans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def money(value: float | None) -> str:
    """$1,234,567 (no cents), or an en dash for unknown."""
    return "–" if value is None else f"${value:,.0f}"


# The priority signals (ml/themes/priority.py) as a PM reads them in the breakdown.
SIGNAL_LABELS = {"accounts": "Accounts", "arr": "ARR", "recency": "Days since last seen",
                 "kind": "Kind of feedback",
                 "negative": "Share negative or urgent"}  # fmt: skip


def signal_raw(name: str, value: float | None) -> str:
    """A priority signal's raw value in its own unit: money for ARR, a count for accounts."""
    if value is None:  # e.g. days since last seen, for a requirement left with no evidence
        return "–"
    if name == "arr":
        return money(value)
    return f"{value:.0f}" if name in ("accounts", "recency") else f"{value:.2f}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """`word` for one of it, else `words` (by default `word` + s); the count itself is not added."""
    return word if n == 1 else (words or word + "s")


def trend_change(change: float | None, current: int) -> str:
    """↑ 50% / ↓ 20% against the period before; "new" when it had none, an en dash when neither."""
    if change is None:  # nothing in the period before: a percentage would be infinite
        return "new" if current else "–"
    if change == 0:
        return "no change"
    return f"{'↑' if change > 0 else '↓'} {abs(change):.0%}"


def trend_words(current: int, previous: int, days: int = 30) -> str:
    """2 in the last 30 days, 0 in the 30 before."""
    return f"{current} in the last {days} days, {previous} in the {days} before"


def num(value: float | None, digits: int = 2) -> str:
    """A number with `digits` decimals, or an en dash."""
    return "–" if value is None else f"{value:.{digits}f}"


def when(value: datetime | None) -> str:
    """2026-11-28 14:05 UTC, or an en dash."""
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Highlighted:
    """A text cut around one span, so a template can wrap the span in <mark> (each part escaped)."""

    before: str
    span: str
    after: str


def highlight(text: str, start: int | None, end: int | None) -> Highlighted:
    """`text` with [start, end) as the span; an out-of-range span highlights nothing."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return Highlighted(text, "", "")
    return Highlighted(text[:start], text[start:end], text[end:])


def highlight_sentence(text: str, sentence: str) -> Highlighted:
    """`text` with the first occurrence of `sentence` as the span (when offsets are unknown)."""
    at = text.find(sentence) if sentence else -1
    return highlight(text, at, at + len(sentence)) if at >= 0 else Highlighted(text, "", "")
