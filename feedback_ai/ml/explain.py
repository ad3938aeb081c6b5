"""Explanations for linear heads: the terms that pushed a label up, and the sentence that held them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from feedback_ai.ml.text import MappedText
from feedback_ai.ml.types import Evidence, TermWeight


def csr_row(X: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of row i without scipy's slow row indexing; X must have sorted indices."""
    start, end = X.indptr[i], X.indptr[i + 1]
    return X.indices[start:end], X.data[start:end]


def top_terms(
    row: tuple[np.ndarray, np.ndarray],
    coef: np.ndarray,
    terms: np.ndarray,
    *,
    n_word: int,
    k: int = 5,
) -> list[TermWeight]:
    """The k word features with the largest positive contribution (tf-idf x weight) to a label."""
    indices, values = row
    # Word features come first and indices are sorted, so they are a prefix of the row.
    cut = int(np.searchsorted(indices, n_word))
    if cut == 0:
        return []
    idx = indices[:cut]
    contrib = values[:cut] * coef[idx]
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
