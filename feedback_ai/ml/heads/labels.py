"""Kinds and themes for a whole batch, with the terms that explain each chosen label."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from feedback_ai.ml.heads.explain import EvidencePicker, top_terms
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.text.normalize import MappedText
from feedback_ai.ml.types import Explanation, ScoredLabel, TermWeight


@dataclass
class BatchLabels:
    """Scores and chosen labels of every row, as Python lists (per-item numpy access is slow)."""

    kind_classes: list[str] = field(default_factory=list)
    kinds: list[str] | None = None
    kind_scores: list[list[float]] | None = None
    theme_names: list[str] = field(default_factory=list)
    themes: list[list[int]] | None = None
    theme_scores: list[list[float]] | None = None
    kind_words: dict[tuple[int, str], list[TermWeight]] = field(default_factory=dict)
    theme_words: dict[tuple[int, str], list[TermWeight]] = field(default_factory=dict)


def label_batch(model: FeedbackModel, X: sp.csr_matrix) -> BatchLabels:
    """Run both heads on the design matrix and explain every label they choose."""
    out = BatchLabels()
    terms = model.featurizer.word_terms_cache()
    n_word = model.featurizer.n_word_features_
    if model.kind_head is not None:
        head = model.kind_head
        proba = head.predict_proba(X)
        out.kind_classes = head.classes_.tolist()
        out.kinds = [out.kind_classes[j] for j in np.argmax(proba, axis=1).tolist()]
        out.kind_scores = np.round(proba, 4).tolist()
        rows: dict[str, list[int]] = {}
        for row, kind in enumerate(out.kinds):
            rows.setdefault(kind, []).append(row)
        coefs = {kind: head.coef_for(kind) for kind in rows}
        out.kind_words = top_terms(X, rows, coefs, terms, n_word=n_word)
    if model.theme_head is not None:
        head = model.theme_head
        proba = head.predict_proba(X)
        out.theme_names = head.labels_.tolist()
        out.theme_scores = np.round(proba, 4).tolist()
        out.themes = head.choose(proba)
        rows = {}
        for row, chosen in enumerate(out.themes):
            for j in chosen:
                rows.setdefault(out.theme_names[j], []).append(row)
        coefs = {label: head.coef_for(label) for label in rows}
        out.theme_words = top_terms(X, rows, coefs, terms, n_word=n_word)
    return out


def item_labels(
    labels: BatchLabels, *, row: int, mapped: MappedText, sentences: list[tuple[int, int]]
) -> dict:
    """The kind and theme fields of one item's Prediction, with their explanations."""
    explanations: list[Explanation] = []
    evidence = EvidencePicker(mapped, sentences)
    fields: dict = {"kind": None, "kind_score": None, "kind_scores": {}}
    if labels.kinds is not None and labels.kind_scores is not None:
        kind = labels.kinds[row]
        scores = dict(zip(labels.kind_classes, labels.kind_scores[row], strict=True))
        fields = {"kind": kind, "kind_score": scores[kind], "kind_scores": scores}
        words = labels.kind_words[(row, kind)]
        explanations.append(Explanation("kind", kind, words, evidence.pick(words)))
    themes: list[ScoredLabel] = []
    fields["theme_scores"] = {}
    if labels.themes is not None and labels.theme_scores is not None:
        rounded = labels.theme_scores[row]
        fields["theme_scores"] = dict(zip(labels.theme_names, rounded, strict=True))
        for j in labels.themes[row]:
            label = labels.theme_names[j]
            themes.append(ScoredLabel(label, rounded[j]))
            words = labels.theme_words[(row, label)]
            explanations.append(Explanation("theme", label, words, evidence.pick(words)))
    fields["themes"] = themes
    fields["explanations"] = explanations
    return fields
