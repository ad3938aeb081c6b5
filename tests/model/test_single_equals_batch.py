"""A single-item predict gives exactly that item's result in a batch.

The service scores a lone POST in a batch of one and lingering requests in small batches; the
fast paths that cut predict's fixed cost per call must not make an item's result depend on
which other items shared its call.
"""

from __future__ import annotations

import numpy as np

from feedback_ai.ml import FeedbackInput, predict
from feedback_ai.ml.heads.linear import lr_proba
from feedback_ai.ml.requirements.detector import context_features
from feedback_ai.ml.training.dataset import load_golden


def test_single_item_predict_equals_its_batch_result(model) -> None:
    items = [FeedbackInput(ex.text, ex.source) for ex in load_golden()]
    batch = predict(model, items)
    singles = [predict(model, [item])[0] for item in items]
    differing = [i for i, (a, b) in enumerate(zip(singles, batch, strict=True)) if a != b]
    assert not differing, f"{len(differing)} of {len(items)} differ, first: {items[differing[0]]}"
    assert sum(len(p.candidates) for p in batch) > 0  # the parser path was exercised


def test_detector_context_scores_equal_sklearn(model) -> None:
    detector = model.requirement_detector
    assert detector is not None and detector.context_ is not None
    sentences = ["Please add an export to PDF.", "Love it.", "The app crashes on start."]
    proba = detector.head_.predict_proba(detector.featurizer_.transform(sentences))[:, 1]
    items = np.array([0, 0, 1])
    kinds = np.full((2, len(detector.context_classes_)), 1 / len(detector.context_classes_))
    F = context_features(sentences, proba, items, kinds, interactions=detector.interactions_)
    assert np.array_equal(lr_proba(detector.context_, F), detector.context_.predict_proba(F))
    assert np.array_equal(
        detector.scores(sentences, items=items, item_context=kinds),
        detector.context_.predict_proba(F)[:, 1],
    )
