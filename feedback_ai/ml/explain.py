"""Explanations for linear heads: the terms that pushed a label up, and the sentence that held them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from feedback_ai.ml.types import Evidence, TermWeight
from feedback_ai.ml.text import MappedText


def top_terms(
    row: sp.csr_matrix, coef: np.ndarray, terms: np.ndarray, *, n_word: int, k: int = 5
) -> list[TermWeight]:
    """The k word features with the largest positive contribution (tf-idf x weight) to a label."""
    idx = row.indices[row.indices < n_word]
    if len(idx) == 0:
        return []
    contrib = row[0, idx].toarray().ravel() * coef[idx]
    order = np.argsort(-contrib)[:k]
    return [
        TermWeight(term=str(terms[idx[i]]), weight=round(float(contrib[i]), 4))
        for i in order
        if contrib[i] > 0
    ]


def evidence_sentence(
    mapped: MappedText, sentences: list[tuple[int, int]], terms: list[TermWeight]
) -> Evidence | None:
    """The sentence that carries most of the explaining terms' weight."""
    if not sentences:
        return None
    best, best_score = sentences[0], -1.0
    for start, end in sentences:
        lowered = mapped.text[start:end].lower()
        score = sum(t.weight for t in terms if t.term in lowered)
        if score > best_score:
            best, best_score = (start, end), score
    return make_evidence(mapped, *best)


def make_evidence(mapped: MappedText, start: int, end: int) -> Evidence:
    """An Evidence for [start, end) of the masked text, with the matching original offsets."""
    orig_start, orig_end = mapped.to_original(start, end)
    return Evidence(
        text=mapped.text[start:end],
        start=orig_start,
        end=orig_end,
        masked_start=start,
        masked_end=end,
    )
