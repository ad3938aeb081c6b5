"""Kinds per sentence, and the rule that lets a concrete defect or ask decide the item's kind.

Real reviews wrap one actionable sentence in a mood: "love it but it crashes every time i open a pdf",
"good but could have been great without double tap zoom". Scored as a whole, such an item gets the
mood's kind (praise, complaint); the PM needs the crash or the ask. So the kind head, unchanged, also
scores each segment of a multi-segment item: its sentences, and within a sentence the clauses that a
contrast word ("but", "however", "except", ...) opens, since app reviews often run on without stops.

The item keeps its own kind unless that kind is a mood (`complaint`, `praise`, `other`), one of its
segments is itself called `bug` or `feature_request` with probability >= SEGMENT_THRESHOLD, and the
whole item gives that kind at least ITEM_FLOOR (a sentence may not impose a kind that the item as a
whole shows no trace of): then the most confident such segment decides. `question` is left alone (a question about a defect is routed as a
question). Single-segment items cost nothing extra: their one segment is the item.

Cost: featurizing segments is most of predict's extra work, so only items the rule may change (a mood
kind, an actionable kind at ITEM_FLOOR or more, several segments) have their segments scored; the
`sentence_kinds` of other items with several segments stay empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from feedback_ai.ml.model import FeedbackModel

MOOD_KINDS = frozenset({"complaint", "praise", "other"})
ACTIONABLE_KINDS = ("bug", "feature_request")
# The kind head's probabilities are calibrated. Both values were chosen from a small grid
# (0.5/0.6/0.7 x 0/0.05/0.1/0.2) as the most permissive pair that costs no golden-set kind accuracy.
SEGMENT_THRESHOLD = 0.7
ITEM_FLOOR = 0.1
# Contrast words and ask cues ("please", "would be", "i miss", "lack of") that open a clause with its
# own intent in run-on reviews; the word itself starts the new clause.
_CLAUSE = re.compile(
    r"(?:,|;|\s)\s*(?=(?:but|however|except|although|though|only problem|only issue|"
    r"only thing|other than that|apart from that|one thing|wish|please|pls|would be|would love|"
    r"could you|can you|i miss|i really miss|lack of|lacks)\b)",
    re.IGNORECASE,
)
# Pieces shorter than this, or of one word ("ok", "but" before "i miss"), are not cut off: they
# carry no intent of their own.
_MIN_CLAUSE = 4


def segment_spans(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The item's sentences, each cut further before contrast words; offsets into `text`."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        cut = start
        for match in _CLAUSE.finditer(text, start, end):
            at = match.end()
            piece = text[cut : match.start()]
            if len(piece) >= _MIN_CLAUSE and len(piece.split()) > 1 and end - at >= _MIN_CLAUSE:
                out.append((cut, match.start()))
                cut = at
        out.append((cut, end))
    return out


def score_segments(
    model: FeedbackModel,
    texts: Sequence[str],
    sources: Sequence[str],
    segments: Sequence[list[tuple[int, int]]],
    rows: Sequence[int] | None = None,
) -> list[np.ndarray | None]:
    """Kind probabilities per segment of `rows` (default all), None for single-segment items."""
    out: list[np.ndarray | None] = [None] * len(texts)
    if model.kind_head is None:
        return out
    rows = range(len(texts)) if rows is None else rows
    owners = [row for row in rows if len(segments[row]) > 1]
    if not owners:
        return out
    pieces = [texts[row][s:e] for row in owners for s, e in segments[row]]
    piece_sources = [sources[row] for row in owners for _ in segments[row]]
    X = model.featurizer.transform(pieces, sources=piece_sources)
    X.sort_indices()
    proba = model.kind_head.predict_proba(X)
    at = 0
    for row in owners:
        n = len(segments[row])
        out[row] = proba[at : at + n]
        at += n
    return out


def may_decide(item_kind: str, classes: list[str], item_proba: list[float]) -> bool:
    """Whether a segment could change this item's kind: worth scoring its segments at all."""
    return item_kind in MOOD_KINDS and any(
        item_proba[classes.index(k)] >= ITEM_FLOOR for k in ACTIONABLE_KINDS if k in classes
    )


def decide(
    item_kind: str,
    classes: list[str],
    segment_proba: np.ndarray | None,
    item_proba: list[float] | None = None,
) -> tuple[str, int | None]:
    """The item's kind and the index of the segment that decided it (None: the item itself)."""
    if segment_proba is None or item_kind not in MOOD_KINDS:
        return item_kind, None
    best: tuple[float, str, int] | None = None
    for kind in ACTIONABLE_KINDS:
        if kind not in classes:
            continue
        j = classes.index(kind)
        if item_proba is not None and item_proba[j] < ITEM_FLOOR:
            continue
        column = segment_proba[:, j]
        for i in np.flatnonzero(
            (np.argmax(segment_proba, axis=1) == j) & (column >= SEGMENT_THRESHOLD)
        ).tolist():
            if best is None or column[i] > best[0]:
                best = (float(column[i]), kind, i)
    return (item_kind, None) if best is None else (best[1], best[2])
