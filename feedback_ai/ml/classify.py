"""Linear classification heads with probabilities calibrated on out-of-fold scores."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from feedback_ai.errors import DataError


def _decision(model: LinearSVC | OneVsRestClassifier, X: sp.spmatrix) -> np.ndarray:
    scores = model.decision_function(X)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


def _stacked(model: LinearSVC | OneVsRestClassifier) -> tuple[np.ndarray, np.ndarray] | None:
    """All weights as one (features x outputs) matrix and bias, or None if a part is not linear."""
    parts = model.estimators_ if isinstance(model, OneVsRestClassifier) else [model]
    if not all(hasattr(p, "coef_") and hasattr(p, "intercept_") for p in parts):
        return None  # e.g. OneVsRest's constant predictor for a label on every item
    W = np.vstack([np.atleast_2d(p.coef_) for p in parts]).T
    b = np.concatenate([np.ravel(p.intercept_) for p in parts])
    return np.ascontiguousarray(W), b


def lr_proba(lr: LogisticRegression, Z: np.ndarray) -> np.ndarray:
    """LogisticRegression.predict_proba without its per-call input checks (same formula)."""
    scores = Z @ lr.coef_.T + lr.intercept_
    if lr.coef_.shape[0] == 1:
        p = expit(scores[:, 0])
        return np.column_stack([1.0 - p, p])
    return softmax(scores, axis=1)


class _FastDecision:
    """decision_function as one sparse-dense product; sklearn's per-call input checks (and, for
    one-vs-rest, one product per label) cost more than the arithmetic for small batches."""

    def _decide(self, model: LinearSVC | OneVsRestClassifier, X: sp.spmatrix) -> np.ndarray:
        cache = getattr(self, "_stacked_cache", None)
        if cache is None or cache[0] is not model:
            cache = self._stacked_cache = (model, _stacked(model))
        if cache[1] is None:
            return _decision(model, X)
        W, b = cache[1]
        return np.asarray(X @ W) + b

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_stacked_cache", None)
        state.pop("_coef_lookup", None)
        return state


class SingleLabelHead(_FastDecision):
    """One label per item (kinds, or intents): LinearSVC scores calibrated by a multinomial LR."""

    def __init__(
        self, *, C: float = 0.5, cv: int = 3, class_weight: str | None = None, random_state: int = 0
    ) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X: sp.spmatrix, y: list[str]) -> SingleLabelHead:
        """Fit on labels `y`; keeps out-of-fold probabilities for threshold choice and metrics."""
        labels = np.asarray(y)
        self.classes_, counts = np.unique(labels, return_counts=True)
        if len(self.classes_) < 2:
            raise DataError(
                f"Need at least two distinct labels to train a head, got {self.classes_}."
            )
        n_splits = int(min(self.cv, counts.min())) if counts.min() >= 2 else self.cv
        splitter = (
            StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            if counts.min() >= 2
            else KFold(self.cv, shuffle=True, random_state=self.random_state)
        )
        svc = LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)
        oof = cross_val_predict(svc, X, labels, cv=splitter, method="decision_function")
        oof = oof.reshape(-1, 1) if oof.ndim == 1 else oof
        self.calibrator_ = LogisticRegression(
            C=10.0, max_iter=2000, class_weight=self.class_weight, fit_intercept=False
        ).fit(oof, labels)
        self.oof_proba_ = self.calibrator_.predict_proba(oof)
        self.svc_ = svc.fit(X, labels)
        return self

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated probabilities, columns in `classes_` order."""
        return lr_proba(self.calibrator_, self._decide(self.svc_, X))

    def coef_for(self, label: str) -> np.ndarray:
        """Weights that push an item towards `label`."""
        coef = self.svc_.coef_
        if coef.shape[0] == 1:  # binary LinearSVC keeps one row, for classes_[1]
            return coef[0] if label == self.classes_[1] else -coef[0]
        return coef[int(np.searchsorted(self.classes_, label))]


class MultiLabelHead(_FastDecision):
    """Zero or more labels per item: one-vs-rest LinearSVC, Platt-scaled, with per-label thresholds."""

    def __init__(
        self, *, C: float = 0.5, cv: int = 3, min_support: int = 5, random_state: int = 0
    ) -> None:
        self.C = C
        self.cv = cv
        self.min_support = min_support
        self.random_state = random_state

    def fit(self, X: sp.spmatrix, Y: np.ndarray, *, labels: list[str]) -> MultiLabelHead:
        """Fit on a binary indicator matrix `Y` whose columns are `labels`."""
        support = Y.sum(axis=0)
        self.labels_ = np.asarray(labels)
        self.active_ = np.flatnonzero(support > 0)
        if len(self.active_) == 0:
            raise DataError("No theme has a single labelled example; add `themes` to the data.")
        Y_active = Y[:, self.active_]
        ovr = OneVsRestClassifier(
            LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)
        )
        splitter = KFold(self.cv, shuffle=True, random_state=self.random_state)
        oof = cross_val_predict(ovr, X, Y_active, cv=splitter, method="decision_function")
        oof = oof.reshape(-1, 1) if oof.ndim == 1 else oof
        self.platt_ = np.zeros((len(self.active_), 2))
        for j in range(len(self.active_)):
            if 0 < Y_active[:, j].sum() < len(Y_active):
                lr = LogisticRegression(C=10.0).fit(oof[:, [j]], Y_active[:, j])
                self.platt_[j] = (lr.coef_[0, 0], lr.intercept_[0])
            else:
                self.platt_[j] = (1.0, 0.0)
        self.oof_proba_ = np.zeros(Y.shape, dtype=np.float64)
        self.oof_proba_[:, self.active_] = self._sigmoid(oof)
        self.thresholds_ = choose_thresholds(self.oof_proba_, Y, min_support=self.min_support)
        self.ovr_ = ovr.fit(X, Y_active)
        return self

    def _sigmoid(self, scores: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(scores * self.platt_[:, 0] + self.platt_[:, 1])))

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated per-label probabilities, columns in `labels_` order (0 for unseen labels)."""
        proba = np.zeros((X.shape[0], len(self.labels_)))
        proba[:, self.active_] = self._sigmoid(self._decide(self.ovr_, X))
        return proba

    def coef_for(self, label: str) -> np.ndarray | None:
        """Weights that push an item towards `label`, or None for a label never seen in training."""
        lookup = getattr(self, "_coef_lookup", None)
        if lookup is None:  # built on first use: explanations ask for it per item
            lookup = self._coef_lookup = {
                str(self.labels_[j]): est.coef_[0]
                for j, est in zip(self.active_, self.ovr_.estimators_, strict=True)
            }
        return lookup.get(label)


def choose_thresholds(proba: np.ndarray, Y: np.ndarray, *, min_support: int = 5) -> np.ndarray:
    """Per-label F1-optimal thresholds; labels with little support share the global micro-F1 optimum."""
    grid = np.linspace(0.05, 0.95, 37)
    global_f1 = [_f1(proba >= t, Y) for t in grid]
    global_t = float(grid[int(np.argmax(global_f1))])
    thresholds = np.full(Y.shape[1], global_t)
    for j in range(Y.shape[1]):
        if Y[:, j].sum() >= min_support:
            scores = [_f1(proba[:, j] >= t, Y[:, j]) for t in grid]
            # Shrink towards the global threshold: per-label optima on few positives are noisy.
            thresholds[j] = 0.5 * float(grid[int(np.argmax(scores))]) + 0.5 * global_t
    return thresholds


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.logical_and(pred, truth == 1).sum())
    denom = float(pred.sum() + (truth == 1).sum())
    return 2 * tp / denom if denom else 0.0
