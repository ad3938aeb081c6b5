"""The detector's second stage weighs a sentence's score by its item's kind, and old artifacts still load."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from feedback_ai.ml.requirements.detector import RequirementDetector, context_features


def _data() -> tuple[list[str], list[bool], np.ndarray, np.ndarray]:
    asks = [f"Please add export to format {i}." for i in range(30)]
    chat = [f"Thanks for the quick call on day {i}." for i in range(30)]
    rng = np.random.default_rng(0)
    context = np.column_stack([np.r_[np.ones(30), np.zeros(30)], np.r_[np.zeros(30), np.ones(30)]])
    context = np.clip(context + rng.normal(0, 0.1, context.shape), 0, 1)
    return asks + chat, [True] * 30 + [False] * 30, np.arange(60), context


def test_interactions_add_the_score_times_each_kind_probability() -> None:
    sentences = ["Please add SSO.", "Thanks!", "Export is broken?"]
    scores = np.array([0.9, 0.2, 0.6])
    items = np.array([0, 0, 1])
    kinds = np.array([[1.0, 0.0], [0.25, 0.75]])
    plain = context_features(sentences, scores, items, kinds)
    F = context_features(sentences, scores, items, kinds, interactions=True)
    assert F.shape == (3, plain.shape[1] + 2)
    assert np.array_equal(F[:, : plain.shape[1]], plain)
    assert np.allclose(F[:, -2:], [[0.9, 0.0], [0.2, 0.0], [0.15, 0.45]])


def test_a_detector_fitted_before_interactions_keeps_its_feature_layout() -> None:
    sentences, labels, items, context = _data()
    detector = RequirementDetector().fit(
        sentences, labels, items=items, item_context=context, context_classes=["fr", "other"]
    )
    assert detector.interactions_
    # An artifact saved before the interactions: no flag, second stage fitted on the old layout.
    del detector.interactions_
    proba = detector.head_.predict_proba(detector.featurizer_.transform(sentences))
    proba = proba[:, list(detector.head_.classes_).index("requirement")]
    old = context_features(sentences, proba, items, context)
    detector.context_ = LogisticRegression(max_iter=2000).fit(old, labels)
    text = ["Please add export to format 99."]
    scores = detector.scores(text, items=np.array([0]), item_context=np.array([[1.0, 0.0]]))
    assert scores.shape == (1,)
