"""A simulated PM labelling in batches: macro-F1 against labels, for the queue's order and others.

The classifier is the product's own: one featurizer (fitted once, on the texts of the pool and the
test set, labels unseen) and a fresh head per retrain, the single-label theme head
(`MultiLabelHead` in single mode) or the kind head (`SingleLabelHead`), refitted from scratch on
every label so far after each batch, as a retrain does. Orders:

- `queue`: the review queue's default key, `active.review_score(uncertainty=active.uncertainty(...),
  priority=PRIORITY)`, with the scores and thresholds the head gives `predict`. Priority is constant:
  a public dataset has no accounts or ARR.
- `margin`: the same functions with every head read as the kind head is, i.e. the margin between
  the two best scores (`active.kind_uncertainty`); it differs from `queue` only for theme heads.
- `diverse`: the queue's key spread over predicted themes (`active.spread_by_theme`): no theme
  takes more than PER_THEME places before every theme has had its turn.
- `random`: a PM labelling in arrival order.
Ties (equal keys) are broken at random with the run's seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from feedback_ai.ml.heads.classify import MultiLabelHead, SingleLabelHead
from feedback_ai.ml.training.active import (
    kind_uncertainty,
    review_score,
    spread_by_theme,
    uncertainty,
)

ORDERS = ("queue", "margin", "diverse", "random")
PRIORITY = 0.5


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Macro-F1 on the test set after training on `n_labels` labels, `outside_queue` of which a
    PM labelled beyond the review queue (it held fewer items than a batch)."""

    n_labels: int
    macro_f1: float
    outside_queue: int = 0


class FastThemeHead:
    """The theme head's recipe made cheap enough to refit hundreds of times: one-vs-rest LinearSVC
    (C=0.5, balanced, as the product's heads) with one Platt sigmoid shared by every class, fitted
    on 2-fold out-of-fold scores, instead of one sigmoid per class on 3 folds. Single-label with
    no out-of-scope training items, so its scope threshold is 0, as the product's head's is."""

    scope_threshold_ = 0.0

    def fit(self, X: sp.csr_matrix, y: np.ndarray) -> FastThemeHead:
        """Fit on one label per row."""
        svc = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
        _, counts = np.unique(y, return_counts=True)
        folds = StratifiedKFold(2, shuffle=True, random_state=0) if counts.min() >= 2 else 2
        oof = cross_val_predict(svc, X, y, cv=folds, method="decision_function")
        self.svc_ = svc.fit(X, y)
        truth = (self.svc_.classes_[None, :] == np.asarray(y)[:, None]).ravel()
        self.platt_ = LogisticRegression(C=10.0).fit(oof.reshape(-1, 1), truth)
        return self

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        """Per-class probabilities, columns in `svc_.classes_` order."""
        scores = self.svc_.decision_function(X)
        a, b = self.platt_.coef_[0, 0], self.platt_.intercept_[0]
        return 1.0 / (1.0 + np.exp(-(a * scores + b)))

    def choose(self, proba: np.ndarray) -> list[list[int]]:
        """The most probable class of each row."""
        return [[int(j)] for j in proba.argmax(axis=1)]


class Scorer:
    """A head fitted on the labels so far: probabilities, thresholds and the chosen label.

    `head`: "fast" (FastThemeHead, for benchmarks), "theme" (the product's theme head in
    single-label mode) or "kind" (the product's kind head)."""

    def __init__(self, head: str, X: sp.csr_matrix, y: np.ndarray, classes: list[str]) -> None:
        self.head, self.classes = head, classes
        self.model: Any
        if head == "fast":
            self.model = FastThemeHead().fit(X, y)
            self.labels = [str(c) for c in self.model.svc_.classes_]
        elif head == "kind":
            self.model = SingleLabelHead().fit(X, y.tolist())
            self.labels = [str(c) for c in self.model.classes_]
        else:
            index = {c: j for j, c in enumerate(classes)}
            Y = np.zeros((len(y), len(classes)), dtype=np.int64)
            Y[np.arange(len(y)), [index[v] for v in y]] = 1
            self.model = MultiLabelHead().fit(X, Y, labels=classes, single_label=True)
            self.labels = classes

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        """Calibrated probabilities, columns in `self.labels` order."""
        return self.model.predict_proba(X)

    def predict(self, X: sp.csr_matrix) -> list[str]:
        """One label per row ('' for a theme head that leaves a row out of scope)."""
        proba = self.proba(X)
        if self.head == "kind":
            return [self.labels[j] for j in proba.argmax(axis=1)]
        return [self.labels[c[0]] if c else "" for c in self.model.choose(proba)]

    def keys(self, X: sp.csr_matrix, order: str) -> np.ndarray:
        """Each row's queue key under `order` (higher first), as the review queue computes it."""
        return np.array(
            [review_score(uncertainty=u, priority=PRIORITY) for u in self.unsure(X, order)]
        )

    def unsure(self, X: sp.csr_matrix, order: str) -> np.ndarray:
        """Each row's uncertainty under `order`, as the product stores it on a prediction."""
        # predict() hands the queue scores rounded to 4 places (heads/labels.py): so do we.
        proba = np.round(self.proba(X), 4)
        thresholds = (
            {}
            if self.head == "kind"
            else {c: float(self.model.scope_threshold_) for c in self.labels}
        )
        out = np.empty(len(proba))
        for i, row in enumerate(proba.tolist()):
            scores = dict(zip(self.labels, row, strict=True))
            if order == "margin" or self.head == "kind":
                u = kind_uncertainty(scores)
            else:
                u = uncertainty(
                    kind_scores={}, theme_scores=scores, thresholds=thresholds, single_label=True
                )
            out[i] = u
        return out


def seed_rows(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` random rows of every class (all of a class's rows when it has fewer)."""
    rows = [rng.permutation(np.flatnonzero(y == c))[:per_class] for c in np.unique(y)]
    return np.sort(np.concatenate(rows))


def simulate(
    X_pool: sp.csr_matrix,
    y_pool: np.ndarray,
    X_test: sp.csr_matrix,
    y_test: np.ndarray,
    *,
    order: str,
    head: str = "theme",
    start_per_class: int = 5,
    batch: int = 200,
    n_batches: int = 10,
    seed: int = 0,
    uncertainty_min: float = 0.0,
) -> list[CurvePoint]:
    """Label `start_per_class` per class, then `n_batches` batches in `order`, retraining after each.

    The queue only holds items at least `uncertainty_min` unsure (the `review_uncertainty_min`
    setting); once it holds less than a batch, the PM labels the rest in arrival order, and each
    point counts those labels (`outside_queue`)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    rng = np.random.default_rng(seed)
    classes = sorted({str(v) for v in y_pool})
    labelled = np.zeros(len(y_pool), dtype=bool)
    labelled[seed_rows(y_pool, start_per_class, rng)] = True
    arrival = rng.permutation(len(y_pool))  # random order, and the tie-break of the others
    points: list[CurvePoint] = []
    outside = 0
    for step in range(n_batches + 1):
        rows = np.flatnonzero(labelled)
        scorer = Scorer(head, X_pool[rows], y_pool[rows], classes)
        guess = scorer.predict(X_test)
        f1 = f1_score(y_test, guess, labels=classes, average="macro", zero_division=0)
        points.append(CurvePoint(int(labelled.sum()), round(float(f1), 4), outside))
        if step == n_batches or labelled.all():
            break
        candidates = arrival[~labelled[arrival]]
        if order != "random":
            unsure = scorer.unsure(X_pool[candidates], order)
            queued = unsure >= uncertainty_min
            keys = np.array([review_score(uncertainty=u, priority=PRIORITY) for u in unsure])
            if order == "diverse":
                themes = scorer.predict(X_pool[candidates[queued]])
                keys[queued] = spread_by_theme(keys[queued].tolist(), themes)
            # The queue's items by key, then (a queue gone dry) the rest as they arrived.
            candidates = np.concatenate([
                candidates[queued][np.argsort(-keys[queued], kind="stable")],
                candidates[~queued],
            ])  # fmt: skip
            outside += max(0, min(batch, len(candidates)) - int(queued.sum()))
        labelled[candidates[:batch]] = True
    return points


def labels_to_reach(points: list[CurvePoint], target: float) -> float | None:
    """Labels at which a curve first reaches `target` (linear between points), or None."""
    for a, b in pairwise(points):
        if a.macro_f1 >= target:
            return float(a.n_labels)
        if b.macro_f1 >= target:
            share = (target - a.macro_f1) / (b.macro_f1 - a.macro_f1)
            return a.n_labels + share * (b.n_labels - a.n_labels)
    return float(points[0].n_labels) if points and points[0].macro_f1 >= target else None


def mean_curve(runs: list[list[CurvePoint]]) -> list[CurvePoint]:
    """The mean macro-F1 of several seeds' curves, point by point (same label counts)."""
    n = min(len(r) for r in runs)
    return [
        CurvePoint(
            runs[0][k].n_labels,
            round(float(np.mean([r[k].macro_f1 for r in runs])), 4),
            round(float(np.mean([r[k].outside_queue for r in runs]))),
        )
        for k in range(n)
    ]
