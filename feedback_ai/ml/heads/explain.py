"""Explanations for linear heads: the terms that pushed a label up, and the sentence that held them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from feedback_ai.ml.text.normalize import MappedText
from feedback_ai.ml.types import Evidence, TermWeight


def top_terms(
    X: sp.csr_matrix,
    requests: dict[str, list[int]],
    coefs: Mapping[str, np.ndarray | None],
    terms: list[str],
    *,
    n_word: int,
    k: int = 5,
) -> dict[tuple[int, str], list[TermWeight]]:
    """For each (row, label) asked for, the k word features that pushed the label up the most.

    A feature's push is its tf-idf value times the label's weight. Word features are the first
    `n_word` columns of X (sorted indices), so each row's word entries are a prefix of the row.
    All rows of one label are scored at once: per-item numpy calls cost more than the maths.
    """
    is_word = np.concatenate(([0], np.cumsum(X.indices < n_word)))
    word_nnz = is_word[X.indptr[1:]] - is_word[X.indptr[:-1]]
    out: dict[tuple[int, str], list[TermWeight]] = {}
    for label, rows in requests.items():
        coef = coefs.get(label)
        if coef is None or not rows:
            out.update(((r, label), []) for r in rows)
            continue
        row_ids = np.asarray(rows, dtype=np.int64)
        lengths = word_nnz[row_ids]
        owner = np.repeat(np.arange(len(row_ids)), lengths)
        offsets = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
        positions += np.repeat(X.indptr[row_ids], lengths)
        columns = X.indices[positions]
        push = X.data[positions] * coef[columns]
        # Rows in order, and within a row the largest push first; keep the first k positive.
        order = np.lexsort((-push, owner))
        owner, columns, push = owner[order], columns[order], push[order]
        firsts = np.searchsorted(owner, owner)
        keep = (np.arange(len(owner)) - firsts < k) & (push > 0)
        grouped: dict[int, list[TermWeight]] = {r: [] for r in rows}
        for i, column, weight in zip(
            owner[keep].tolist(),
            columns[keep].tolist(),
            np.round(push[keep].astype(np.float64), 4).tolist(),
            strict=True,
        ):
            grouped[rows[i]].append(TermWeight(terms[column], weight))
        out.update(((r, label), words) for r, words in grouped.items())
    return out


class EvidencePicker:
    """Picks, for one item, the sentence that carries most of a label's explaining terms."""

    def __init__(self, mapped: MappedText, sentences: list[tuple[int, int]]) -> None:
        self.mapped = mapped
        self.sentences = sentences
        self._lowered: list[str] | None = None
        self._made: dict[int, Evidence] = {}

    def pick(self, terms: list[TermWeight]) -> Evidence | None:
        """The evidence sentence for these terms (the first sentence on a tie or no terms)."""
        if not self.sentences:
            return None
        best = 0
        if len(self.sentences) > 1:  # one sentence needs no scoring: most feedback is one
            if self._lowered is None:
                self._lowered = [self.mapped.text[s:e].lower() for s, e in self.sentences]
            best_score = -1.0
            for k, lowered in enumerate(self._lowered):
                score = sum(t.weight for t in terms if t.term in lowered)
                if score > best_score:
                    best, best_score = k, score
        if best not in self._made:
            self._made[best] = make_evidence(self.mapped, *self.sentences[best])
        return self._made[best]


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
