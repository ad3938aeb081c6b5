"""Segments for per-sentence kinds, and the rule that lets an actionable segment decide."""

import numpy as np

from feedback_ai.ml.heads.sentence_kinds import SEGMENT_THRESHOLD, decide, segment_spans
from feedback_ai.ml.text.nlp import sentence_spans

CLASSES = ["bug", "complaint", "feature_request", "other", "praise", "question"]


def _segments(text: str) -> list[str]:
    return [text[s:e] for s, e in segment_spans(text, sentence_spans([text])[0])]


def test_contrast_words_open_a_clause() -> None:
    assert _segments("love it but it crashes on start") == ["love it", "but it crashes on start"]
    assert _segments("Nice app. However the sync fails, sadly.") == [
        "Nice app.",
        "However the sync fails, sadly.",
    ]


def test_short_pieces_and_words_inside_words_are_not_cut() -> None:
    assert _segments("ok but") == ["ok but"]
    assert _segments("a butterfly app with no bugs") == ["a butterfly app with no bugs"]


def _proba(row_kinds: list[tuple[str, float]]) -> np.ndarray:
    rows = []
    for kind, p in row_kinds:
        row = np.full(len(CLASSES), (1 - p) / (len(CLASSES) - 1))
        row[CLASSES.index(kind)] = p
        rows.append(row)
    return np.asarray(rows)


def test_actionable_segment_decides_a_mood() -> None:
    proba = _proba([("praise", 0.9), ("bug", 0.8), ("feature_request", 0.7)])
    assert decide("praise", CLASSES, proba) == ("bug", 1)


def test_weak_segments_and_non_mood_kinds_keep_the_item_kind() -> None:
    weak = _proba([("praise", 0.9), ("bug", SEGMENT_THRESHOLD - 0.05)])
    assert decide("praise", CLASSES, weak) == ("praise", None)
    strong = _proba([("question", 0.9), ("bug", 0.95)])
    assert decide("question", CLASSES, strong) == ("question", None)
    assert decide("complaint", CLASSES, None) == ("complaint", None)


def test_item_without_a_trace_of_the_kind_is_not_overruled() -> None:
    proba = _proba([("praise", 0.9), ("bug", 0.95)])
    item = [0.01, 0.05, 0.02, 0.02, 0.88, 0.02]  # CLASSES order: bug gets 0.01 on the whole item
    assert decide("praise", CLASSES, proba, item) == ("praise", None)
    item[0], item[4] = 0.3, 0.59
    assert decide("praise", CLASSES, proba, item) == ("bug", 1)


def test_ask_cues_open_a_clause_in_run_on_reviews() -> None:
    assert _segments("great app love it i really miss the undo button") == [
        "great app love it",
        "i really miss the undo button",
    ]
    assert _segments("nice game please add more levels") == ["nice game", "please add more levels"]


def test_a_lone_contrast_word_is_not_a_clause() -> None:
    # "but" before "i miss" would otherwise be cut off as a clause of its own.
    assert _segments("fun app but i miss the old icons") == ["fun app", "but i miss the old icons"]
