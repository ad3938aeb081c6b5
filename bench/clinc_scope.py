"""Where CLINC150's in-scope accuracy goes: the classifier itself, or the scope threshold.

Trains the saved model's theme head exactly as `feedback-ai train --data` fits it on all of the
user's file (train + val with their out-of-scope items; FitConfig defaults), then on the test split
prints: in-scope top-1 before any out-of-scope rejection; what the scope threshold (chosen on the
training file's out-of-fold scores) rejects, and how many of those rejected were right; and, for
analysis only, in-scope accuracy along the test's out-of-scope recall curve, so the baseline can be
compared at its own operating point. Nothing here is chosen from the test split.

Usage: python bench/clinc_scope.py [--datasets DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import public_data as pd_
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from feedback_ai.ml.text.pii import prepare
from feedback_ai.ml.themes.taxonomy import slugify
from feedback_ai.ml.training.fit import FitConfig, fit_model
from feedback_ai.ml.training.train import usable_examples

OOS = "oos"


def _baseline(train: list[tuple[str, str]], texts: list[str]) -> np.ndarray:
    """bench/quality.py's baseline: TF-IDF word 1-2 + char 2-5, LinearSVC, oos as one more class."""
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    train_texts = [t for t, _ in train]
    X = sp.hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr()
    T = sp.hstack([word.transform(texts), char.transform(texts)]).tocsr()
    return LinearSVC().fit(X, [y for _, y in train]).predict(T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="Folder with the public datasets.")
    args = parser.parse_args()
    data = pd_.clinc150(pd_.datasets_dir(args.datasets))
    train = data["train"] + data["oos_train"] + data["val"] + data["oos_val"]
    test = data["test"] + data["oos_test"]
    with tempfile.TemporaryDirectory() as tmp:
        examples, taxonomy, _ = usable_examples(
            pd_.write_jsonl(Path(tmp) / "clinc150.jsonl", train, head="themes"), None
        )
    model = fit_model(examples, taxonomy=taxonomy, version="scope", config=FitConfig())
    head = model.theme_head
    assert head is not None and head.mode == "single"
    index = {t: j for j, t in enumerate(taxonomy.ids)}
    truth = np.array([-1 if y == OOS else index[slugify(y)] for _, y in test])
    inside = truth >= 0
    texts = [prepare(t).text for t, _ in test]
    proba = head.predict_proba(model.featurizer.transform(texts, sources=["other"] * len(texts)))
    best, top = proba.argmax(axis=1), proba.max(axis=1)
    right = best == truth
    keep = top >= head.scope_threshold_
    print(f"scope threshold {head.scope_threshold_:.4f} (out-of-fold, scope_recall 0.8 + 1 SE)")
    print(f"ours  in-scope top-1 before rejection     {right[inside].mean():.4f}")
    print(
        f"ours  in-scope accuracy after rejection    {(right & keep)[inside].mean():.4f}; "
        f"in-scope rejected {(~keep)[inside].mean():.4f} (of which right {(right & ~keep)[inside].mean():.4f}); "
        f"out-of-scope recall {(~keep)[~inside].mean():.4f}"
    )
    base = _baseline(train, [t for t, _ in test])
    base_truth = np.array([y for _, y in test])
    base_oos = float(np.mean(base[~inside] == OOS))
    print(
        f"base  in-scope accuracy {np.mean(base[inside] == base_truth[inside]):.4f}; "
        f"out-of-scope recall {base_oos:.4f}"
    )
    outside_tops = np.sort(top[~inside])
    for recall in sorted({base_oos, 0.5, 0.7, 0.8, float((~keep)[~inside].mean())}):
        cut = outside_tops[min(int(recall * len(outside_tops)), len(outside_tops) - 1)]
        print(
            f"      (analysis, test curve) in-scope accuracy at out-of-scope recall {recall:.3f}: "
            f"{(right & (top >= cut))[inside].mean():.4f}"
        )


if __name__ == "__main__":
    main()
