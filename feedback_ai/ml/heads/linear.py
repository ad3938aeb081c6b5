"""Scoring for fitted linear models without scikit-learn's per-call overhead (same numbers)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC


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


class FastDecision:
    """decision_function as one sparse-dense product; sklearn's per-call input checks (and, for
    one-vs-rest, one product per label) cost more than the arithmetic for small batches."""

    # Caches rebuilt on first use, never pickled into an artifact; subclasses add their own.
    _transient: tuple[str, ...] = ("_stacked_cache",)

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
        for name in self._transient:
            state.pop(name, None)
        return state
