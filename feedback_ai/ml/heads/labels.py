"""Kinds and themes for a whole batch, with the terms that explain each chosen label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from feedback_ai.ml.heads.explain import EvidencePicker, make_evidence, top_terms
from feedback_ai.ml.heads.sentence_kinds import decide, may_decide
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.text.normalize import MappedText
from feedback_ai.ml.types import Explanation, ScoredLabel, SentenceKind, TermWeight


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
    # Per row: kind probabilities of each segment (None: one segment, the item itself), and the
    # index of the segment that decided the item's kind (None: the item's own scores decided).
    segment_scores: list[list[list[float]] | None] = field(default_factory=list)
    deciders: list[int | None] = field(default_factory=list)
    theme_words: dict[tuple[int, str], list[TermWeight]] = field(default_factory=dict)


def label_batch(
    model: FeedbackModel,
    X: sp.csr_matrix,
    segment_scorer: Callable[[list[int]], list[np.ndarray | None]] | None = None,
) -> BatchLabels:
    """Run both heads on the design matrix and explain every label they choose.

    `segment_scorer(rows)` (sentence_kinds.score_segments) scores the segments of the rows whose kind
    a segment may change, so that an actionable segment may decide it.
    """
    out = BatchLabels()
    terms = model.featurizer.word_terms_cache()
    n_word = model.featurizer.n_word_features_
    if model.kind_head is not None:
        head = model.kind_head
        proba = head.predict_proba(X)
        out.kind_classes = head.classes_.tolist()
        out.kinds = [out.kind_classes[j] for j in np.argmax(proba, axis=1).tolist()]
        out.kind_scores = np.round(proba, 4).tolist()
        moods = [
            row
            for row, kind in enumerate(out.kinds)
            if may_decide(kind, out.kind_classes, out.kind_scores[row])
        ]
        segment_proba = segment_scorer(moods) if segment_scorer else [None] * len(out.kinds)
        out.deciders = [None] * len(out.kinds)
        out.segment_scores = [None if p is None else np.round(p, 4).tolist() for p in segment_proba]
        for row, p in enumerate(segment_proba):
            if p is not None:
                out.kinds[row], out.deciders[row] = decide(
                    out.kinds[row], out.kind_classes, p, out.kind_scores[row]
                )
        rows: dict[str, list[int]] = {}
        for row, kind in enumerate(out.kinds):
            rows.setdefault(kind, []).append(row)
        coefs = {kind: head.coef_for(kind) for kind in rows}
        out.kind_words = top_terms(X, rows, coefs, terms, n_word=n_word)
    if model.theme_head is not None:
        theme_head = model.theme_head
        proba = theme_head.predict_proba(X)
        out.theme_names = theme_head.labels_.tolist()
        out.theme_scores = np.round(proba, 4).tolist()
        out.themes = theme_head.choose(proba)
        rows = {}
        for row, chosen in enumerate(out.themes):
            for j in chosen:
                rows.setdefault(out.theme_names[j], []).append(row)
        theme_coefs = {label: theme_head.coef_for(label) for label in rows}
        out.theme_words = top_terms(X, rows, theme_coefs, terms, n_word=n_word)
    return out


def item_labels(
    labels: BatchLabels,
    *,
    row: int,
    mapped: MappedText,
    sentences: list[tuple[int, int]],
    segments: list[tuple[int, int]] | None = None,
) -> dict:
    """The kind and theme fields of one item's Prediction, with their explanations."""
    segments = sentences if segments is None else segments
    explanations: list[Explanation] = []
    evidence = EvidencePicker(mapped, sentences)
    fields: dict = {"kind": None, "kind_score": None, "kind_scores": {}}
    if labels.kinds is not None and labels.kind_scores is not None:
        kind = labels.kinds[row]
        scores = dict(zip(labels.kind_classes, labels.kind_scores[row], strict=True))
        decider = labels.deciders[row] if labels.deciders else None
        segment_scores = labels.segment_scores[row] if labels.segment_scores else None
        fields = {"kind": kind, "kind_score": scores[kind], "kind_scores": scores}
        words = labels.kind_words[(row, kind)]
        if decider is None:
            explanations.append(Explanation("kind", kind, words, evidence.pick(words)))
        else:
            assert segment_scores is not None  # a sentence decided: its scores were kept
            j = labels.kind_classes.index(kind)
            fields["kind_score"] = segment_scores[decider][j]
            where = make_evidence(mapped, *segments[decider])
            explanations.append(Explanation("kind", kind, words, where))
        fields["sentence_kinds"] = _sentence_kinds(
            labels.kind_classes, segment_scores, segments, mapped, kind, fields["kind_score"]
        )
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


def _sentence_kinds(
    classes: list[str],
    segment_scores: list[list[float]] | None,
    segments: list[tuple[int, int]],
    mapped: MappedText,
    item_kind: str,
    item_score: float,
) -> list[SentenceKind]:
    """Each segment's own kind; a lone segment is the item, so it shares the item's kind.

    Segments of items that were not scored (their kind was not a mood) are not listed.
    """
    if segment_scores is None:
        if len(segments) != 1:
            return []
        return [SentenceKind(item_kind, item_score, make_evidence(mapped, *segments[0]))]
    out = []
    for (s, e), scores in zip(segments, segment_scores, strict=True):
        j = max(range(len(scores)), key=scores.__getitem__)
        out.append(SentenceKind(classes[j], scores[j], make_evidence(mapped, s, e)))
    return out
