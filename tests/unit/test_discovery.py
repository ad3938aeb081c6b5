"""Theme discovery: coherent proposals, c-TF-IDF keywords, deterministic, dismissals kept."""

from __future__ import annotations

from feedback_ai.ml.themes.discovery import (
    class_tfidf,
    discover_themes,
    fingerprint,
    keyword_overlap,
)
from tests.factories import CALENDAR, INVOICES

TEXTS = INVOICES + CALENDAR


def test_two_topics_become_two_proposals():
    proposals = discover_themes(TEXTS, n_themes=2, min_size=3)
    groups = sorted(sorted(p.members) for p in proposals)
    assert groups == [list(range(6)), list(range(6, 12))]
    names = {p.name.lower() for p in proposals}
    assert any("vat" in n or "invoice" in n for n in names)
    assert any("outlook" in n or "calendar" in n for n in names)
    for p in proposals:
        assert len(p.examples) == 3 and set(p.examples) <= set(p.members)
        assert 0 < p.cohesion <= 1


def test_deterministic():
    first = discover_themes(TEXTS, n_themes=2, min_size=3)
    second = discover_themes(list(TEXTS), n_themes=2, min_size=3)
    assert first == second
    assert [p.fingerprint for p in first] == [p.fingerprint for p in second]


def test_dismissed_proposal_is_not_proposed_again():
    first = discover_themes(TEXTS, n_themes=2, min_size=3)
    dismissed = [p.stems for p in first if 0 in p.members]
    again = discover_themes(TEXTS, n_themes=2, min_size=3, dismissed=dismissed)
    assert len(again) == 1 and 0 not in again[0].members


def test_too_little_data_gives_nothing():
    assert discover_themes(["one", "two"], min_size=3) == []
    assert discover_themes([], min_size=1) == []


def test_fingerprint_ignores_order_and_overlap_is_jaccard():
    assert fingerprint(["vat", "invoic"]) == fingerprint(["invoic", "vat"])
    assert keyword_overlap(["a", "b"], ["b", "c"]) == 1 / 3


def test_class_tfidf_prefers_distinctive_terms():
    import numpy as np

    counts = np.array([[5.0, 5.0, 0.0], [0.0, 5.0, 5.0]])
    scores = class_tfidf(counts)
    assert scores[0, 0] > scores[0, 1] and scores[1, 2] > scores[1, 1]
