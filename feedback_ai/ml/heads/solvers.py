"""The linear models the heads fit: exact for ordinary data, capped for large retrains.

LinearSVC's dual coordinate descent ran 110-165 passes over the non-zeros of a TF-IDF design matrix
before meeting its tolerance (3-5 s per theme at 20,000 items, ~755 non-zeros per row), and a head
fits each label once per cross-validation fold and once more on everything, one label at a time.
That made a retrain on 100,000 items take well over 10 minutes. Above FitConfig.large_above
training items the heads use the "capped" solver instead:

- the same LinearSVC (same loss, C and class weights), stopped after PASSES passes: held-out
  predictions after 10 passes matched the converged model's (kind macro-F1 0.9989 both, 20,000-item
  retrain) at a twentieth of the time, because the later passes only polish the dual tolerance;
- LARGE_CV cross-fitting folds for the out-of-fold scores the calibrators learn from (with this
  much data, half of it is plenty to fit each fold's model);
- both cores: folds, or labels, fitted in threads (liblinear releases the GIL).

SGDClassifier (hinge, averaged, 5-10 epochs) was tried first: a little faster, but 0.007 lower
kind macro-F1 at 20,000 items, and with "balanced" class weights a theme with 20 labelled items
got weights of ~60 per positive, steps that overshoot: it was never predicted on paraphrases.

The "exact" solver is what the heads fitted before the large-data path existed, so the bundled
model and every benchmark below the threshold are unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

SOLVERS = ("exact", "capped")
# Passes of dual coordinate descent of the capped solver (liblinear's default cap is 1000).
PASSES = 10
# Cross-fitting folds of the large-data path (the exact path keeps its own, 3).
LARGE_CV = 2


def linear_model(solver: str, *, C: float, random_state: int) -> LinearSVC:
    """An unfitted linear SVM: converged ("exact") or stopped after PASSES passes ("capped")."""
    if solver not in SOLVERS:
        raise ValueError(f"Unknown solver {solver!r}; expected one of {SOLVERS}.")
    if solver == "exact":
        return LinearSVC(C=C, class_weight="balanced", random_state=random_state)
    return LinearSVC(C=C, class_weight="balanced", random_state=random_state, max_iter=PASSES)


@contextmanager
def threads(n_jobs: int | None) -> Iterator[None]:
    """joblib work inside runs on `n_jobs` threads: no copy of the design matrix per worker."""
    with parallel_config(backend="threading", n_jobs=n_jobs), warnings.catch_warnings():
        # The capped solver stops before liblinear's tolerance on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
