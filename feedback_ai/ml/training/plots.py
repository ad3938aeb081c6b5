"""Dependency-free SVG charts for the evaluation notebook: heatmap, bars and lines.

matplotlib is not a dependency of feedback-ai, and a notebook that CI executes must not need it;
these return SVG text that Jupyter shows with `IPython.display.SVG` and a browser opens as a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, s: str, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(s)}</text>'


def heatmap(matrix: np.ndarray, rows: Sequence[str], cols: Sequence[str], title: str) -> str:
    """A confusion matrix: rows are the truth, columns the prediction, counts in each cell."""
    cell, left, top = 44, 130, 120
    m = np.asarray(matrix, dtype=float)
    peak = m.max() or 1.0
    body = [_text(left, 16, title, font_weight="bold")]
    for j, name in enumerate(cols):
        x = left + j * cell + cell / 2
        body.append(_text(x, top - 6, name, "start", transform=f"rotate(-45 {x:.1f} {top - 6})"))
    for i, name in enumerate(rows):
        y = top + i * cell
        body.append(_text(left - 6, y + cell / 2 + 4, name, "end"))
        for j in range(len(cols)):
            shade = int(255 - 200 * m[i, j] / peak)
            fill = f"rgb({shade},{shade},255)"
            body.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{fill}" stroke="#fff"/>'
            )
            colour = "#fff" if m[i, j] > 0.6 * peak else "#000"
            body.append(_text(left + j * cell + cell / 2, y + cell / 2 + 4, f"{m[i, j]:.0f}",
                              "middle", fill=colour))  # fmt: skip
    width, height = left + cell * len(cols) + 20, top + cell * len(rows) + 20
    return _svg(width, height, body)


def bars(values: dict[str, float], title: str, *, maximum: float = 1.0) -> str:
    """Horizontal bars, one per label, longest first."""
    left, row, width = 190, 18, 300
    items = sorted(values.items(), key=lambda kv: -kv[1])
    body = [_text(4, 14, title, font_weight="bold")]
    for k, (label, value) in enumerate(items):
        y = 24 + k * row
        body.append(_text(left - 6, y + 12, label, "end"))
        w = width * max(0.0, value) / maximum
        body.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 4}" '
                    f'fill="{PALETTE[0]}"/>')  # fmt: skip
        body.append(_text(left + w + 4, y + 12, f"{value:.2f}"))
    return _svg(left + width + 50, 30 + row * len(items), body)


def lines(
    series: dict[str, Sequence[tuple[float, float]]],
    title: str,
    *,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
) -> str:
    """Line chart of (x, y) series, with a legend; `diagonal` draws y = x (for calibration)."""
    left, top, w, h = 50, 30, 380, 240
    points = [p for s in series.values() for p in s]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = (0.0, 1.0) if diagonal else (min(xs), max(xs))
    y0, y1 = (0.0, 1.0) if diagonal else (min(ys), max(ys))
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def at(x: float, y: float) -> tuple[float, float]:
        return left + w * (x - x0) / (x1 - x0), top + h - h * (y - y0) / (y1 - y0)

    body = [
        _text(left, 16, title, font_weight="bold"),
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
        _text(left + w / 2, top + h + 32, x_label, "middle"),
        _text(12, top + h / 2, y_label, "middle", transform=f"rotate(-90 12 {top + h / 2})"),
    ]
    for frac in (0.0, 0.5, 1.0):
        x, y = x0 + frac * (x1 - x0), y0 + frac * (y1 - y0)
        body.append(_text(at(x, y0)[0], top + h + 14, f"{x:.3g}", "middle"))
        body.append(_text(left - 4, at(x0, y)[1] + 4, f"{y:.2f}", "end"))
    if diagonal:
        (ax, ay), (bx, by) = at(0, 0), at(1, 1)
        body.append(f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#bbb" '
                    'stroke-dasharray="4"/>')  # fmt: skip
    for k, (name, s) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (at(*p) for p in s))
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>'
                 for x, y in (at(*p) for p in s)]  # fmt: skip
        body.append(_text(left + w + 8, top + 14 + 16 * k, name, fill=colour))
    return _svg(left + w + 110, top + h + 44, body)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> dict:
    """Calibration: per-bin mean confidence and accuracy, and the expected calibration error."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
            rows.append({"bin": b, "n": int(mask.sum()), "confidence": conf, "accuracy": acc})
            ece += mask.mean() * abs(conf - acc)
    return {"bins": rows, "ece": round(float(ece), 4)}
