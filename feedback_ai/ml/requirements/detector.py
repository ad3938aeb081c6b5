"""Find the sentences that state a need, and turn each into a candidate requirement."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from feedback_ai.ml.features.featurizer import FeedbackFeaturizer
from feedback_ai.ml.features.sampled import fit_on_sample
from feedback_ai.ml.heads.classify import SingleLabelHead
from feedback_ai.ml.heads.linear import lr_proba
from feedback_ai.ml.requirements.clauses import after_label
from feedback_ai.ml.requirements.statements import make_statement
from feedback_ai.ml.text.nlp import load_parser, parse

REQ, NONE = "requirement", "none"
# A "sentence" longer than this is a run-on text without full stops: parse only its start.
MAX_PARSE_CHARS = 600
MAX_STATEMENT_CHARS = 120


class RequirementDetector:
    """A sentence classifier (is this a need, request or problem?) plus the parse-based statement.

    Two stages. A linear head scores each sentence on its own words. A small logistic model then
    reads that score in its item's context: how the item's other sentences score, the sentence's
    place, and the item's kind probabilities (a question or praise item rarely states a need; in a
    bug report the sentence that scores highest is the one that names the defect). Both stages are
    fitted on out-of-fold scores, so the second learns how the first errs on unseen text.
    """

    def __init__(
        self,
        *,
        C: float = 0.5,
        max_per_item: int = 8,
        random_state: int = 0,
        solver: str = "exact",
        cv: int = 3,
        n_jobs: int | None = None,
        vocabulary_sample: int | None = None,
    ) -> None:
        self.C = C
        self.max_per_item = max_per_item
        self.random_state = random_state
        # The large-data path (heads/solvers.py, features/sampled.py); defaults are the exact one.
        self.solver = solver
        self.cv = cv
        self.n_jobs = n_jobs
        self.vocabulary_sample = vocabulary_sample

    def fit(
        self,
        sentences: list[str],
        labels: list[bool],
        *,
        items: np.ndarray | None = None,
        item_context: np.ndarray | None = None,
        context_classes: list[str] | None = None,
    ) -> RequirementDetector:
        """Fit on sentences labelled True when they state a requirement.

        `items` numbers each sentence's item (sentences of an item are contiguous);
        `item_context` has one row per item (the kind probabilities, in `context_classes` order).
        """
        self.featurizer_ = FeedbackFeaturizer(
            word_ngrams=(1, 3), use_embeddings=False, use_source=False
        )
        if self.vocabulary_sample is None:
            X = self.featurizer_.fit_transform(sentences)
        else:
            X = fit_on_sample(
                self.featurizer_,
                sentences,
                None,
                sample=self.vocabulary_sample,
                seed=self.random_state,
                n_jobs=self.n_jobs or 1,
            )
        y = [REQ if label else NONE for label in labels]
        self.head_ = SingleLabelHead(
            C=self.C,
            random_state=self.random_state,
            solver=self.solver,
            cv=self.cv,
            n_jobs=self.n_jobs,
        ).fit(X, y)
        proba = self.head_.oof_proba_[:, list(self.head_.classes_).index(REQ)]
        truth = np.asarray(labels, dtype=bool)
        self.context_ = None
        self.context_classes_ = list(context_classes or []) if item_context is not None else []
        # Scores times kind probabilities: a linear model cannot otherwise learn that a high score
        # means less in a praise item than in a bug report (seed praise sentences that name a
        # feature were out-of-fold false positives).
        self.interactions_ = True
        if items is not None and truth.all() != truth.any():
            F = context_features(sentences, proba, items, item_context, interactions=True)
            model = LogisticRegression(C=1.0, max_iter=2000)
            folds = StratifiedKFold(5, shuffle=True, random_state=self.random_state)
            proba = cross_val_predict(model, F, truth, cv=folds, method="predict_proba")[:, 1]
            self.context_ = model.fit(F, truth)
        grid = np.linspace(0.2, 0.8, 25)
        f1s = [_f1(proba >= t, truth) for t in grid]
        self.threshold_ = float(grid[int(np.argmax(f1s))])
        self.oof_proba_ = proba
        return self

    def scores(
        self,
        sentences: list[str],
        *,
        items: np.ndarray | None = None,
        item_context: np.ndarray | None = None,
    ) -> np.ndarray:
        """Probability that each sentence states a requirement (in its item's context if given)."""
        if not sentences:
            return np.zeros(0)
        proba = self.head_.predict_proba(self.featurizer_.transform(sentences))
        proba = proba[:, list(self.head_.classes_).index(REQ)]
        context = getattr(self, "context_", None)
        if context is None:
            return proba
        if items is None:  # no item given: each sentence is an item of its own
            items = np.arange(len(sentences))
        if self.context_classes_ and item_context is None:
            item_context = np.zeros((int(items.max()) + 1, len(self.context_classes_)))
        if not self.context_classes_:
            item_context = None
        # Models fitted before the interactions existed keep their feature layout.
        inter = getattr(self, "interactions_", False)
        F = context_features(sentences, proba, items, item_context, interactions=inter)
        # lr_proba: predict_proba's formula without its per-call input checks (~0.1 ms a call).
        return lr_proba(context, F)[:, 1]

    def statements(self, sentences: list[str]) -> list[tuple[str, float] | None]:
        """Parse only these sentences and normalise each to an imperative statement.

        None where no usable statement comes out (e.g. "Please, please!!!").
        """
        nlp = load_parser()
        docs = parse(nlp, (s[:MAX_PARSE_CHARS] for s in sentences), batch_size=256)
        labelled = {i: text for i, doc in enumerate(docs) if (text := after_label(doc))}
        for i, doc in zip(labelled, parse(nlp, labelled.values(), batch_size=256), strict=True):
            docs[i] = doc
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


def context_features(
    sentences: list[str],
    scores: np.ndarray,
    items: np.ndarray,
    item_context: np.ndarray | None,
    *,
    interactions: bool = False,
) -> np.ndarray:
    """Each sentence's score beside its item's other scores, its place, and the item's context."""
    items = np.asarray(items)
    n = len(scores)
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group = np.repeat(np.arange(len(starts)), sizes)
    order = np.lexsort((-scores, group))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, sizes)
    best = scores[order[starts]]
    second = np.where(sizes > 1, scores[order[np.minimum(starts + 1, n - 1)]], 0.0)
    total = np.add.reduceat(scores, starts)
    size = sizes[group]
    others_max = np.where(rank == 0, second[group], best[group])
    others_mean = np.where(size > 1, (total[group] - scores) / np.maximum(size - 1, 1), 0.0)
    position = np.arange(n) - starts[group]
    words = np.array([len(s.split()) for s in sentences], dtype=float)
    columns = [
        scores,
        others_max,
        scores - best[group],
        rank,
        size,
        position == 0,
        position == size - 1,
        np.array([s.rstrip().endswith("?") for s in sentences]),
        words / 20,
        others_mean,
    ]
    F = np.column_stack(columns).astype(float)
    if item_context is not None:
        K = np.asarray(item_context, dtype=float)[items]
        F = np.hstack([F, K, K * scores[:, None]] if interactions else [F, K])
    return F
