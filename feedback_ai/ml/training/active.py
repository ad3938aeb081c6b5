"""Active-learning order: how much a human label on an item would teach the model.

The review queue's default order and bench/learning_curve.py both use these functions, so that
what the benchmark measures is what PMs get.

- Kind: the margin between the two highest kind scores; a small margin means the model hesitated.
- Themes: the distance of each theme's score to that theme's threshold; a score near a threshold
  is a coin toss between assigning the theme and not. A threshold of 0 (a single-label head
  trained without out-of-scope items) decides nothing, so it never counts. A single-label head
  also picks one theme among many: the margin between its two best scores counts as for kinds
  (bench/learning_curve.py showed that the threshold distance alone ranks such items no better
  than random order).
- Both become an uncertainty in [0, 1] (1 = a coin toss), and the item's uncertainty is the larger.
- The queue weights it by priority: `review_score = uncertainty * (FLOOR + (1 - FLOOR) * priority)`
  with priority in [0, 1]; the floor keeps unsure items of accounts without ARR in the queue.
- Diversity (optional, `spread_by_theme`): margin sampling alone may spend a batch on the few
  themes the model confuses most. Ranking items within their predicted theme by review_score,
  `tier = rank // PER_THEME`, and ordering by (tier, review_score) lets no theme take more than
  PER_THEME of the first (themes x PER_THEME) places; as one score in [0, 1]:
  `(review_score + TIERS - 1 - min(tier, TIERS - 1)) / TIERS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Distance to a threshold at or beyond which a theme counts as settled (probabilities in [0, 1]).
THEME_SETTLED_AT = 0.5
PRIORITY_FLOOR = 0.2
# Items per predicted theme in each round of spread_by_theme, and the rounds it tells apart.
PER_THEME = 3
TIERS = 10


def kind_uncertainty(kind_scores: Mapping[str, float]) -> float:
    """1 minus the margin between the two best kind scores (0 when there is at most one kind)."""
    if len(kind_scores) < 2:
        return 0.0
    first, second = sorted(kind_scores.values(), reverse=True)[:2]
    return _clip(1.0 - (first - second))


def theme_uncertainty(
    theme_scores: Mapping[str, float],
    thresholds: Mapping[str, float],
    *,
    single_label: bool = False,
) -> float:
    """How close the theme nearest its threshold is to it (1 on it, 0 when settled); for a
    single-label head, at least 1 minus the margin between its two best themes."""
    distances = [
        abs(score - thresholds[label])
        for label, score in theme_scores.items()
        if thresholds.get(label, 0.0) > 0.0
    ]
    near = _clip(1.0 - min(distances) / THEME_SETTLED_AT) if distances else 0.0
    return max(near, kind_uncertainty(theme_scores)) if single_label else near


def uncertainty(
    *,
    kind_scores: Mapping[str, float],
    theme_scores: Mapping[str, float],
    thresholds: Mapping[str, float],
    single_label: bool = False,
) -> float:
    """The item's uncertainty in [0, 1]: the larger of its kind and theme uncertainties."""
    themes = theme_uncertainty(theme_scores, thresholds, single_label=single_label)
    return round(max(kind_uncertainty(kind_scores), themes), 4)


def review_score(*, uncertainty: float, priority: float) -> float:
    """The queue's default sort key (higher first): uncertainty weighted by priority in [0, 1]."""
    return uncertainty * (PRIORITY_FLOOR + (1.0 - PRIORITY_FLOOR) * _clip(priority))


def _clip(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def spread_by_theme(
    scores: Sequence[float], themes: Sequence[str], *, per_theme: int = PER_THEME
) -> list[float]:
    """Scores in [0, 1] (higher first) that take the best `per_theme` items of every predicted
    theme before the next `per_theme` of any, each round by review_score."""
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    seen: dict[str, int] = {}
    out = [0.0] * len(scores)
    for i in ranked:
        rank = seen[themes[i]] = seen.get(themes[i], -1) + 1
        tier = min(rank // per_theme, TIERS - 1)
        out[i] = (_clip(scores[i]) + TIERS - 1 - tier) / TIERS
    return out
