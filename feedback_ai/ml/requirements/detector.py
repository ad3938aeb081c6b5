"""Find the sentences that state a need, and turn each into a candidate requirement."""

from __future__ import annotations

import numpy as np

from feedback_ai.ml.features.featurizer import FeedbackFeaturizer
from feedback_ai.ml.heads.classify import SingleLabelHead
from feedback_ai.ml.requirements.statements import make_statement
from feedback_ai.ml.text.nlp import load_parser

REQ, NONE = "requirement", "none"
# A "sentence" longer than this is a run-on text without full stops: parse only its start.
MAX_PARSE_CHARS = 600
MAX_STATEMENT_CHARS = 120


class RequirementDetector:
    """A sentence classifier (is this a need, request or problem?) plus the parse-based statement."""

    def __init__(self, *, C: float = 0.5, max_per_item: int = 8, random_state: int = 0) -> None:
        self.C = C
        self.max_per_item = max_per_item
        self.random_state = random_state

    def fit(self, sentences: list[str], labels: list[bool]) -> RequirementDetector:
        """Fit on sentences labelled True when they state a requirement."""
        self.featurizer_ = FeedbackFeaturizer(
            word_ngrams=(1, 3), use_embeddings=False, use_source=False
        )
        X = self.featurizer_.fit_transform(sentences)
        y = [REQ if label else NONE for label in labels]
        self.head_ = SingleLabelHead(C=self.C, random_state=self.random_state).fit(X, y)
        proba = self.head_.oof_proba_[:, list(self.head_.classes_).index(REQ)]
        truth = np.asarray(labels, dtype=bool)
        grid = np.linspace(0.2, 0.8, 25)
        f1s = [_f1(proba >= t, truth) for t in grid]
        self.threshold_ = float(grid[int(np.argmax(f1s))])
        self.oof_proba_ = proba
        return self

    def scores(self, sentences: list[str]) -> np.ndarray:
        """Probability that each sentence states a requirement."""
        if not sentences:
            return np.zeros(0)
        proba = self.head_.predict_proba(self.featurizer_.transform(sentences))
        return proba[:, list(self.head_.classes_).index(REQ)]

    def statements(self, sentences: list[str]) -> list[tuple[str, float] | None]:
        """Parse only these sentences and normalise each to an imperative statement.

        None where no usable statement comes out (e.g. "Please, please!!!").
        """
        nlp = load_parser()
        docs = nlp.pipe((s[:MAX_PARSE_CHARS] for s in sentences), batch_size=256)
        return [_usable(*make_statement(doc)) for doc in docs]


def _usable(statement: str, confidence: float) -> tuple[str, float] | None:
    statement = (
        statement[:MAX_STATEMENT_CHARS].rsplit(" ", 1)[0]
        if len(statement) > MAX_STATEMENT_CHARS
        else statement
    )
    if len(statement.split()) < 2 or not any(ch.isalpha() for ch in statement):
        return None
    return statement, confidence


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.logical_and(pred, truth).sum())
    denom = float(pred.sum() + truth.sum())
    return 2 * tp / denom if denom else 0.0
