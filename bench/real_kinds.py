"""Kinds on real app reviews, out of the box: the default seed model on CLAP rq1 (never trained on).

Usage: python bench/real_kinds.py [--datasets DIR] [--model DIR]   (or FEEDBACK_AI_DATASETS=DIR)

Trains the default model on the bundled seed through `train_model` (the code path of
`feedback-ai train`), classifies the 3,000 CLAP rq1 Google Play reviews through the shared `predict`
(as `feedback-ai classify` does, source `app_review`), and prints per-class precision/recall, the full
confusion matrix (CLAP label x our kind) and the golden-set figures of the same model.

Label mapping: CLAP BUG counts as our `bug` and CLAP FEATURE as our `feature_request`; the other five
CLAP classes (PERFORMANCE, USABILITY, ENERGY, SECURITY, OTHER) have no one-to-one kind of ours, so a
review of theirs that we call `bug` or `feature_request` counts as a false positive for that kind (the
strict reading; a battery-drain review called `bug` is arguably right, so precision is a lower bound).
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import public_data as pd_

from feedback_ai.ml import FeedbackInput, load_model, predict
from feedback_ai.ml.training.dataset import load_golden
from feedback_ai.ml.training.evaluate import evaluate
from feedback_ai.ml.training.train import train_model

MAPPING = {"BUG": "bug", "FEATURE": "feature_request"}
TARGETS = {"BUG": (0.75, 0.80), "FEATURE": (0.65, 0.60)}  # (recall, at precision)
CLAP_ORDER = ["BUG", "FEATURE", "PERFORMANCE", "USABILITY", "ENERGY", "SECURITY", "OTHER"]


def precision_recall(truth: list[str], guess: list[str], *, clap: str, kind: str) -> tuple:
    """Precision and recall of `kind` for the CLAP class `clap`, plus the counts behind them."""
    tp = sum(t == clap and g == kind for t, g in zip(truth, guess, strict=True))
    called = sum(g == kind for g in guess)
    actual = sum(t == clap for t in truth)
    return tp / called if called else 0.0, tp / actual if actual else 0.0, tp, called, actual


def confusion(truth: list[str], guess: list[str], kinds: list[str]) -> str:
    """The confusion matrix as a text table, CLAP labels down, our kinds across."""
    counts = Counter(zip(truth, guess, strict=True))
    width = max(len(k) for k in kinds) + 1
    lines = [f"{'CLAP/ours':<12}" + "".join(f"{k:>{width}}" for k in kinds) + f"{'total':>7}"]
    for label in CLAP_ORDER:
        row = [counts[(label, k)] for k in kinds]
        lines.append(f"{label:<12}" + "".join(f"{n:>{width}}" for n in row) + f"{sum(row):>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="Folder with the public datasets.")
    parser.add_argument("--model", type=Path, help="A model directory; default trains on the seed.")
    args = parser.parse_args()
    rows = pd_.clap(pd_.datasets_dir(args.datasets))
    if args.model is None:
        args.model = train_model(models_dir=tempfile.mkdtemp(), holdout=0.0, version="kinds").path
    model = load_model(args.model)
    preds = predict(model, [FeedbackInput(text, "app_review") for text, _ in rows])
    truth = [label for _, label in rows]
    guess = [p.kind or "none" for p in preds]
    print(f"CLAP rq1: {len(rows)} reviews, model {args.model.name}, source app_review")
    print("mapping: BUG -> bug, FEATURE -> feature_request; other CLAP classes count as negatives")
    for clap, kind in MAPPING.items():
        p, r, tp, called, actual = precision_recall(truth, guess, clap=clap, kind=kind)
        want_r, want_p = TARGETS[clap]
        print(
            f"{clap:>8} -> {kind:<16} precision {p:.3f} ({tp}/{called})  recall {r:.3f} "
            f"({tp}/{actual})  target recall >= {want_r} at precision >= {want_p}"
        )
    print()
    print(confusion(truth, guess, [*model.kinds, *(["none"] if "none" in guess else [])]))
    golden = evaluate(model, load_golden())
    req = golden.get("requirements", {})
    print(
        f"\ngolden ({golden['n']} items): kind accuracy {golden['kind']['accuracy']:.3f}, "
        f"kind macro-F1 {golden['kind']['macro_f1']:.3f}, "
        f"theme micro-F1 {golden['themes']['micro_f1']:.3f}, "
        f"requirement-sentence F1 {req.get('sentence_f1', 0.0):.3f}"
    )


if __name__ == "__main__":
    main()
