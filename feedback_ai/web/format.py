"""Template filters and text helpers: money, percentages, dates, highlighted spans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def money(value: float | None) -> str:
    """$1,234,567 (no cents), or an en dash for unknown."""
    return "–" if value is None else f"${value:,.0f}"


def pct(value: float | None) -> str:
    """0.123 -> +12%, or an en dash for unknown."""
    return "–" if value is None else f"{value:+.0%}"


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
