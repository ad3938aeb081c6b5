"""Server-rendered SVG charts: the geometry is computed here, the template draws it (escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: position, size, and its label and count for the <title> tooltip."""

    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class BarChart:
    """Bars in a width x height box, with the largest count for the axis label."""

    width: int
    height: int
    bars: list[Bar]
    peak: int
    first: str
    last: str


def bar_chart(
    buckets: Sequence[tuple[date | str, int]], *, width: int = 480, height: int = 120
) -> BarChart:
    """Bars for (bucket start, count) pairs, scaled to the largest count."""
    peak = max((n for _d, n in buckets), default=0)
    step = width / max(len(buckets), 1)
    bars = []
    for i, (start, count) in enumerate(buckets):
        h = 0.0 if peak == 0 else (height - 4) * count / peak
        label = start.isoformat() if isinstance(start, date) else str(start)
        bars.append(Bar(round(i * step + 1, 1), round(height - h, 1), round(max(step - 2, 1), 1),
                        round(h, 1), label, count))  # fmt: skip
    first = bars[0].label if bars else ""
    last = bars[-1].label if bars else ""
    return BarChart(width, height, bars, peak, first, last)


def sparkline(counts: Sequence[int], *, width: int = 120, height: int = 28) -> str:
    """The `points` attribute of an SVG polyline through the counts."""
    if not counts:
        return ""
    peak = max(max(counts), 1)
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * n / peak:.1f}" for i, n in enumerate(counts)
    )
