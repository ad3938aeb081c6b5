"""The requirement detector's second stage reads each sentence in its item's context."""

import numpy as np

from feedback_ai.ml.requirements.detector import RequirementDetector, context_features


def test_context_features_compare_each_sentence_with_its_items_other_sentences() -> None:
    sentences = ["Please add SSO.", "Thanks!", "Export is broken?", "Love it."]
    scores = np.array([0.9, 0.2, 0.6, 0.1])
    items = np.array([0, 0, 1, 2])
    kinds = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    F = context_features(sentences, scores, items, kinds)
    assert F.shape == (4, 12)
    assert F[:, 1].tolist() == [0.2, 0.9, 0.0, 0.0]  # best score among the item's other sentences
    assert F[:, 3].tolist() == [0, 1, 0, 0]  # rank within the item
    assert F[:, 4].tolist() == [2, 2, 1, 1]  # sentences in the item
    assert F[:, 7].tolist() == [0, 0, 1, 0]  # a question
    assert F[:, 10:].tolist() == [[1, 0], [1, 0], [0, 1], [0.5, 0.5]]  # the item's context


def test_the_item_context_changes_the_score() -> None:
    asks = [f"Please add export to format {i}." for i in range(30)]
    chat = [f"Thanks for the quick call on day {i}." for i in range(30)]
    sentences = asks + chat
    labels = [True] * 30 + [False] * 30
    items = np.arange(60)
    # Item context says "feature request" for the asks and "other" for the chat, with noise.
    rng = np.random.default_rng(0)
    context = np.column_stack([np.r_[np.ones(30), np.zeros(30)], np.r_[np.zeros(30), np.ones(30)]])
    context = np.clip(context + rng.normal(0, 0.1, context.shape), 0, 1)
    detector = RequirementDetector().fit(
        sentences, labels, items=items, item_context=context, context_classes=["fr", "other"]
    )
    text = ["Please add export to format 99."]
    as_request = detector.scores(text, items=np.array([0]), item_context=np.array([[1.0, 0.0]]))
    as_chat = detector.scores(text, items=np.array([0]), item_context=np.array([[0.0, 1.0]]))
    assert as_request[0] > as_chat[0]
    assert detector.scores(text).shape == (1,)  # no context given: still a score
