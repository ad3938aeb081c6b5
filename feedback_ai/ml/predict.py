"""The one predict function shared by the API, the CLI, jobs, benches, notebooks and tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sklearn

from feedback_ai.ml.heads.explain import make_evidence
from feedback_ai.ml.heads.labels import BatchLabels, item_labels, label_batch
from feedback_ai.ml.heads.sentence_kinds import score_segments, segment_spans
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.text.language import guess_language
from feedback_ai.ml.text.nlp import sentence_spans
from feedback_ai.ml.text.normalize import MappedText
from feedback_ai.ml.text.pii import prepare
from feedback_ai.ml.training.active import uncertainty
from feedback_ai.ml.types import (
    FALLBACK_KIND,
    CandidateRequirement,
    FeedbackInput,
    Prediction,
)

# Longer texts are scored on their first MAX_CHARS characters and flagged "truncated".
MAX_CHARS = 20_000


def _odd_input(mapped: MappedText) -> tuple[str, list[str]] | None:
    """Language code and flags for input the models should not score, or None for normal text."""
    if not mapped.text.strip():
        return "und", ["empty"]
    if not any(ch.isalnum() for ch in mapped.text):
        return "und", ["no_text"]
    language = guess_language(mapped.text[:2000])
    if language not in ("en", "und"):  # "und": digits and symbols only, scored as they are
        return language, ["non_english"]
    return None


def _fallback_kind(model: FeedbackModel) -> tuple[str | None, float | None]:
    """The kind of an item that cannot be scored: 'other' when the model has it, else the most
    frequent training kind at its prior (the best answer with no information, e.g. a bare "?")."""
    if FALLBACK_KIND in model.kinds:
        return FALLBACK_KIND, 1.0
    prior = getattr(model.kind_head, "class_prior_", None)  # absent in older artifacts
    if model.kind_head is None or prior is None:
        return None, None
    j = int(prior.argmax())
    return str(model.kind_head.classes_[j]), round(float(prior[j]), 4)


def _fallback(
    model: FeedbackModel, mapped: MappedText, language: str, flags: list[str]
) -> Prediction:
    kind, score = _fallback_kind(model)
    return Prediction(
        kind=kind,
        kind_score=score,
        kind_scores={},
        themes=[],
        theme_scores={},
        unassigned=True,
        candidates=[],
        explanations=[],
        masked_text=mapped.text,
        language=language,
        flags=flags,
        model_version=model.version,
        uncertainty=1.0,  # nothing was scored: only a person can say what this is
    )


def predict(model: FeedbackModel, items: Sequence[FeedbackInput]) -> list[Prediction]:
    """Kind, themes, candidate requirements and explanations for each item, in input order."""
    # Our own featurizer builds the matrices, so sklearn's per-call input checks are pure overhead.
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        return _predict(model, items)


def _predict(model: FeedbackModel, items: Sequence[FeedbackInput]) -> list[Prediction]:
    results: list[Prediction | None] = [None] * len(items)
    prepared: list[tuple[int, MappedText, list[str]]] = []
    for i, item in enumerate(items):
        flags = ["truncated"] if len(item.text) > MAX_CHARS else []
        mapped = prepare(item.text[:MAX_CHARS])
        odd = _odd_input(mapped)
        if odd is not None:
            results[i] = _fallback(model, mapped, odd[0], odd[1] + flags)
        else:
            prepared.append((i, mapped, flags))
    if prepared:
        texts = [m.text for _, m, _ in prepared]
        sources = [items[i].source for i, _, _ in prepared]
        X = model.featurizer.transform(texts, sources=sources)
        X.sort_indices()
        sentences = sentence_spans(texts)
        segments = [segment_spans(t, s) for t, s in zip(texts, sentences, strict=True)]
        labels = label_batch(
            model, X, lambda rows: score_segments(model, texts, sources, segments, rows)
        )
        candidates = _candidates(model, [m for _, m, _ in prepared], sentences, labels)
        thresholds = model.theme_thresholds
        for row, (i, mapped, flags) in enumerate(prepared):
            results[i] = _assemble(
                model,
                labels,
                row=row,
                mapped=mapped,
                flags=flags,
                sentences=sentences[row],
                segments=segments[row],
                candidates=candidates[row],
                thresholds=thresholds,
            )
    return [r for r in results if r is not None]


def _candidates(
    model: FeedbackModel,
    mapped: list[MappedText],
    sentences: list[list[tuple[int, int]]],
    labels: BatchLabels,
) -> list[list[CandidateRequirement]]:
    detector = model.requirement_detector
    out: list[list[CandidateRequirement]] = [[] for _ in mapped]
    if detector is None:
        return out
    flat = [(row, span) for row, spans in enumerate(sentences) for span in spans]
    if not flat:
        return out
    texts = [mapped[row].text[s:e] for row, (s, e) in flat]
    # The detector reads each sentence beside its item's other sentences and kind probabilities.
    context = None
    if labels.kind_scores is not None and labels.kind_classes == getattr(
        detector, "context_classes_", None
    ):
        context = np.asarray(labels.kind_scores)
    items = np.fromiter((row for row, _ in flat), dtype=np.int64, count=len(flat))
    scores = detector.scores(texts, items=items, item_context=context)
    chosen = [k for k, score in enumerate(scores) if score >= detector.threshold_]
    # Bound parser work per item: keep the most confident sentences only.
    per_item: dict[int, list[int]] = {}
    for k in sorted(chosen, key=lambda k: -scores[k]):
        per_item.setdefault(flat[k][0], []).append(k)
    chosen = sorted(k for ks in per_item.values() for k in ks[: detector.max_per_item])
    statements = detector.statements([texts[k] for k in chosen])
    for k, made in zip(chosen, statements, strict=True):
        if made is None:
            continue
        statement, rule_confidence = made
        row, (start, end) = flat[k]
        out[row].append(
            CandidateRequirement(
                statement=statement,
                sentence=texts[k],
                evidence=make_evidence(mapped[row], start, end),
                confidence=round(float(scores[k]) * (0.5 + 0.5 * rule_confidence), 4),
            )
        )
    return out


def _assemble(
    model: FeedbackModel,
    labels: BatchLabels,
    *,
    row: int,
    mapped: MappedText,
    flags: list[str],
    sentences: list[tuple[int, int]],
    segments: list[tuple[int, int]],
    candidates: list[CandidateRequirement],
    thresholds: dict[str, float],
) -> Prediction:
    fields = item_labels(labels, row=row, mapped=mapped, sentences=sentences, segments=segments)
    return Prediction(
        **fields,
        uncertainty=uncertainty(
            kind_scores=fields["kind_scores"],
            theme_scores=fields["theme_scores"],
            thresholds=thresholds,
            single_label=model.theme_mode == "single",
        ),
        unassigned=model.theme_head is not None and not fields["themes"],
        candidates=candidates,
        masked_text=mapped.text,
        language="en",
        flags=flags,
        model_version=model.version,
    )
