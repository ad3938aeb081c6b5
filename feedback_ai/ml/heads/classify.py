"""Linear classification heads with probabilities calibrated on out-of-fold scores."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from feedback_ai.errors import DataError
from feedback_ai.ml.heads.linear import FastDecision, lr_proba
from feedback_ai.ml.heads.solvers import linear_model, threads


class SingleLabelHead(FastDecision):
    """One label per item (kinds, or intents): LinearSVC scores calibrated by a multinomial LR.

    With three or more classes, per-class log-probability biases chosen on out-of-fold predictions to
    maximise macro-F1 (shrunk by `bias_shrink`) can lift small classes; they are kept only when biases
    chosen on some folds of those predictions raise macro-F1 on every held-out fold.

    `uniform_prior` divides out the training labels' frequencies (a log-prior bias), for data whose
    label mix was written rather than sampled: the bundled seed holds asks at 28% because asks take
    many phrasings to teach, while a real feed holds far fewer, and the calibrated probabilities
    would carry the seed's mix into every feed. It replaces the macro-F1 biases, which are chosen
    on that same written mix and would partly put it back.
    """

    def __init__(
        self,
        *,
        C: float = 0.5,
        cv: int = 3,
        class_weight: str | None = None,
        bias_shrink: float = 0.5,
        uniform_prior: bool = False,
        random_state: int = 0,
        solver: str = "exact",
        n_jobs: int | None = None,
    ) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.bias_shrink = bias_shrink
        self.uniform_prior = uniform_prior
        self.random_state = random_state
        # See solvers.py: "capped" for large retrains; n_jobs threads fit the folds.
        self.solver = solver
        self.n_jobs = n_jobs

    def fit(self, X: sp.spmatrix, y: list[str]) -> SingleLabelHead:
        """Fit on labels `y`; keeps out-of-fold probabilities for threshold choice and metrics."""
        labels = np.asarray(y)
        self.classes_, counts = np.unique(labels, return_counts=True)
        # What an item with no usable text gets when the labels have no 'other' (see predict).
        self.class_prior_ = counts / counts.sum()
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
        oof = self._out_of_fold(X, labels, splitter)
        self.calibrator_ = LogisticRegression(
            C=10.0, max_iter=2000, class_weight=self.class_weight, fit_intercept=False
        ).fit(oof, labels)
        oof_proba = self.calibrator_.predict_proba(oof)
        prior_bias = np.zeros(len(self.classes_))
        if self.uniform_prior:
            prior_bias = -np.log(self.class_prior_)
            prior_bias -= prior_bias.mean()
            oof_proba = _shifted(oof_proba, prior_bias)
        self.bias_ = np.zeros(len(self.classes_))
        if (
            not self.uniform_prior
            and len(self.classes_) > 2
            and self.bias_shrink > 0
            and counts.min() >= self.cv
        ):
            truth = np.searchsorted(self.classes_, labels)
            log_proba = np.log(oof_proba + 1e-12)
            if self._bias_gain(log_proba, truth) > 0:
                self.bias_ = self.bias_shrink * macro_f1_biases(log_proba, truth)
        self.oof_proba_ = _shifted(oof_proba, self.bias_)
        self.bias_ = self.bias_ + prior_bias
        with threads(self.n_jobs):
            self.svc_ = self._model().fit(X, labels)
        return self

    def _model(self) -> LinearSVC:
        solver = getattr(self, "solver", "exact")  # heads pickled before solvers existed
        return linear_model(solver, C=self.C, random_state=self.random_state)

    def _out_of_fold(self, X: sp.spmatrix, labels: np.ndarray, splitter) -> np.ndarray:
        """Decision values of each row from a model fitted on the other folds."""
        model = self._model()
        if getattr(self, "solver", "exact") == "exact":  # as it was before solvers existed
            oof = cross_val_predict(model, X, labels, cv=splitter, method="decision_function")
        else:  # folds on parallel threads
            with threads(self.n_jobs):
                oof = cross_val_predict(
                    model, X, labels, cv=splitter, method="decision_function", n_jobs=self.n_jobs
                )
        return oof.reshape(-1, 1) if oof.ndim == 1 else oof

    def _bias_gain(self, log_proba: np.ndarray, truth: np.ndarray) -> float:
        """Worst held-out macro-F1 gain of biases chosen on the other folds of the out-of-fold scores."""
        n_classes = log_proba.shape[1]
        splitter = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        gains = []
        for fit_rows, check_rows in splitter.split(log_proba, truth):
            bias = self.bias_shrink * macro_f1_biases(log_proba[fit_rows], truth[fit_rows])
            check, target = log_proba[check_rows], truth[check_rows]
            gains.append(
                _macro_f1(np.argmax(check + bias, axis=1), target, n_classes)
                - _macro_f1(np.argmax(check, axis=1), target, n_classes)
            )
        return float(np.min(gains))

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated (and bias-shifted) probabilities, columns in `classes_` order."""
        proba = lr_proba(self.calibrator_, self._decide(self.svc_, X))
        bias = getattr(self, "bias_", None)  # artifacts saved before biases existed have none
        return proba if bias is None else _shifted(proba, bias)

    def coef_for(self, label: str) -> np.ndarray:
        """Weights that push an item towards `label`."""
        coef = self.svc_.coef_
        if coef.shape[0] == 1:  # binary LinearSVC keeps one row, for classes_[1]
            return coef[0] if label == self.classes_[1] else -coef[0]
        return coef[int(np.searchsorted(self.classes_, label))]


class MultiLabelHead(FastDecision):
    """Themes: one-vs-rest LinearSVC, Platt-scaled, in one of two modes.

    Multi-label (some training item has two or more themes): every theme whose probability clears its
    own threshold. Single-label (no training item has more than one): the most probable theme alone,
    or none when its probability is below the scope threshold; that threshold is 0 unless the training
    data has items without a theme (out of scope), and otherwise leaves `scope_recall` of those out
    of scope on out-of-fold predictions (see choose_scope_threshold).
    """

    _transient = (*FastDecision._transient, "_coef_lookup")

    def __init__(
        self,
        *,
        C: float = 0.5,
        cv: int = 3,
        min_support: int = 5,
        scope_recall: float = 0.8,
        random_state: int = 0,
        solver: str = "exact",
        n_jobs: int | None = None,
    ) -> None:
        self.C = C
        self.cv = cv
        self.min_support = min_support
        self.scope_recall = scope_recall
        self.random_state = random_state
        # See solvers.py: "capped" for large retrains; n_jobs threads fit the labels.
        self.solver = solver
        self.n_jobs = n_jobs

    def fit(
        self, X: sp.spmatrix, Y: np.ndarray, *, labels: list[str], single_label: bool = False
    ) -> MultiLabelHead:
        """Fit on a binary indicator matrix `Y` whose columns are `labels` (at most one per row
        when `single_label`)."""
        if single_label and (Y.sum(axis=1) > 1).any():
            raise DataError("Single-label themes need at most one theme per item.")
        support = Y.sum(axis=0)
        self.labels_ = np.asarray(labels)
        self.active_ = np.flatnonzero(support > 0)
        if len(self.active_) == 0:
            raise DataError("No theme has a single labelled example; add `themes` to the data.")
        Y_active = Y[:, self.active_]
        solver = getattr(self, "solver", "exact")  # heads pickled before solvers existed
        model = linear_model(solver, C=self.C, random_state=self.random_state)
        ovr = OneVsRestClassifier(model, n_jobs=None if solver == "exact" else self.n_jobs)
        splitter = KFold(self.cv, shuffle=True, random_state=self.random_state)
        with threads(self.n_jobs):
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
        self.single_label_ = single_label
        self.scope_threshold_ = (
            choose_scope_threshold(self.oof_proba_, Y, recall=self.scope_recall)
            if single_label
            else None
        )
        with threads(self.n_jobs):
            self.ovr_ = ovr.fit(X, Y_active)
        return self

    @property
    def mode(self) -> str:
        """ "single" or "multi" (artifacts saved before modes existed are multi-label)."""
        return "single" if getattr(self, "single_label_", False) else "multi"

    def choose(self, proba: np.ndarray) -> list[list[int]]:
        """Indices of the chosen labels of each row, most probable first."""
        if self.mode == "single":
            best = np.argmax(proba, axis=1)
            keep = proba[np.arange(len(proba)), best] >= self.scope_threshold_
            return [[j] if k else [] for j, k in zip(best.tolist(), keep.tolist(), strict=True)]
        passing = (proba >= self.thresholds_).tolist()
        order = np.argsort(-proba, axis=1, kind="stable").tolist()
        return [[j for j in o if p[j]] for o, p in zip(order, passing, strict=True)]

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


def macro_f1_biases(
    log_proba: np.ndarray, truth: np.ndarray, *, grid: np.ndarray | None = None, rounds: int = 3
) -> np.ndarray:
    """Per-class additive biases on log-probabilities that maximise macro-F1, by coordinate ascent."""
    grid = np.linspace(-2.0, 2.0, 41) if grid is None else grid
    n_classes = log_proba.shape[1]
    bias = np.zeros(n_classes)
    best = _macro_f1(np.argmax(log_proba, axis=1), truth, n_classes)
    for _ in range(rounds):
        improved = False
        for k in range(n_classes):
            trial = bias.copy()
            for value in grid:
                trial[k] = value
                score = _macro_f1(np.argmax(log_proba + trial, axis=1), truth, n_classes)
                if score > best + 1e-9:
                    best, bias, improved = score, trial.copy(), True
        if not improved:
            break
    return bias


def _macro_f1(pred: np.ndarray, truth: np.ndarray, n_classes: int) -> float:
    tp = np.bincount(truth[pred == truth], minlength=n_classes)
    denom = np.bincount(pred, minlength=n_classes) + np.bincount(truth, minlength=n_classes)
    return float(np.mean(np.divide(2 * tp, denom, out=np.zeros(n_classes), where=denom > 0)))


def _shifted(proba: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Multiply probabilities by exp(bias) and renormalise each row."""
    if not bias.any():
        return proba
    shifted = proba * np.exp(bias)
    return shifted / shifted.sum(axis=1, keepdims=True)


def choose_scope_threshold(proba: np.ndarray, Y: np.ndarray, *, recall: float = 0.8) -> float:
    """The top-label probability below which an item is out of scope (no theme).

    0 when no training item is out of scope (has no theme). Otherwise the lowest cut that leaves at
    least `recall` of the out-of-scope items unassigned on out-of-fold predictions, with a margin of
    one standard error of that share, because out-of-scope examples are usually few; the lowest cut
    keeps the most in-scope items. With too few to meet the margin, every one must be left out.
    """
    outside = Y.sum(axis=1) == 0
    if not outside.any() or outside.all():
        return 0.0
    best = np.argmax(proba, axis=1)
    tops = np.sort(proba[np.arange(len(proba)), best][outside])
    n = len(tops)
    k = next((k for k in range(1, n + 1) if k / n - np.sqrt(k / n * (1 - k / n) / n) >= recall), n)
    return float(np.nextafter(tops[k - 1], np.inf))


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
