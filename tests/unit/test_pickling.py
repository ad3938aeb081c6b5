"""Predictions cross process boundaries (batch workers, inference workers) intact and cheaply."""

from __future__ import annotations

import copy
import pickle

from feedback_ai.ml.types import (
    CandidateRequirement,
    Evidence,
    Explanation,
    FeedbackInput,
    Prediction,
    ScoredLabel,
    SentenceKind,
    TermWeight,
)


def _prediction() -> Prediction:
    ev = Evidence(text="it crashes", start=0, end=10, masked_start=0, masked_end=10)
    return Prediction(
        kind="bug",
        kind_score=0.9,
        kind_scores={"bug": 0.9, "other": 0.1},
        themes=[ScoredLabel("mobile", 0.7)],
        theme_scores={"mobile": 0.7},
        unassigned=False,
        candidates=[CandidateRequirement("Fix the crash", "it crashes", ev, 0.8)],
        explanations=[Explanation("kind", "bug", [TermWeight("crash", 1.5)], ev)],
        masked_text="it crashes",
        language="en",
        flags=["short"],
        model_version="v1",
        sentence_kinds=[SentenceKind("bug", 0.9, ev)],
        uncertainty=0.25,
    )


def test_a_prediction_survives_pickle_and_deepcopy_field_for_field() -> None:
    pred = _prediction()
    for clone in (pickle.loads(pickle.dumps(pred, protocol=5)), copy.deepcopy(pred)):
        assert clone == pred
        assert clone is not pred
        assert clone.candidates[0].evidence == pred.candidates[0].evidence
        assert clone.sentence_kinds[0].kind == "bug" and clone.uncertainty == 0.25


def test_types_pickle_as_their_constructor_and_field_values() -> None:
    # The default state of a frozen slots dataclass calls dataclasses.fields() per object.
    item = FeedbackInput("text", "survey")
    assert item.__reduce__() == (FeedbackInput, ("text", "survey"))
    assert TermWeight("a", 1.0).__reduce__() == (TermWeight, ("a", 1.0))
    assert _prediction().__reduce__()[0] is Prediction
