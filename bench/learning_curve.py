"""Active learning, measured: does the review queue's order save a PM labels?

Simulates a PM on BANKING77 and CLINC150 (in-scope intents as single-label themes): 5 labelled items
per class to start, then batches labelled in some order, the model retrained from scratch after each
batch, macro-F1 on the published test split after each retrain. Orders (feedback_ai/ml/training/
curve.py): `queue` is the review queue's default key today (active.uncertainty weighted by a
constant priority, since public data has no ARR); `margin` reads the theme scores as the queue reads
kind scores (top-two margin, active.kind_uncertainty; the same as `queue` since single-label heads
rank by that margin); `diverse` spreads the queue's key over predicted themes
(active.spread_by_theme); `random` is arrival order. As in the product, the queue only holds items
at least `review_uncertainty_min` unsure (settings, 0.5); once it holds less than a batch the PM
labels the rest in arrival order, and the table counts those labels (`out`).

Classifier: the product's featurizer (word + character TF-IDF; static embeddings off for speed), fitted
once on the pool and test texts with no labels, and FastThemeHead (one-vs-rest LinearSVC, C=0.5,
balanced, as the product's heads, with one shared Platt sigmoid) refitted after every batch. The
product's own theme head takes ~30 s per refit at these sizes on this machine (per-class Platt fits),
too slow for hundreds of refits.

Prints macro-F1 against labels (mean over seeds, with the spread), then the share of random order's
labels that each order needs to reach random order's final macro-F1 (target: queue <= 60%).

Usage: python bench/learning_curve.py [--datasets DIR] [--only banking77,clinc150] [--seeds 3]
       [--batches 12] [--orders queue,diverse,random] [--uncertainty-min 0.5]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import public_data as pd_

from feedback_ai.ml.features.featurizer import FeedbackFeaturizer
from feedback_ai.ml.training.curve import labels_to_reach, mean_curve, simulate
from feedback_ai.settings import Settings

# (batch size) per dataset: about 3 labels per class per batch.
BATCH = {"banking77": 250, "clinc150": 450}
TARGET_RATIO = 0.6


def load(name: str, root) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Pool texts and labels, test texts and labels."""
    if name == "banking77":
        train, test = pd_.banking77(root)
    else:
        splits = pd_.clinc150(root)
        train, test = splits["train"], splits["test"]
    return (
        [t for t, _ in train],
        np.array([y for _, y in train]),
        [t for t, _ in test],
        np.array([y for _, y in test]),
    )


def run(name: str, args, root) -> None:
    pool, y_pool, test, y_test = load(name, root)
    started = time.perf_counter()
    featurizer = FeedbackFeaturizer(use_embeddings=False).fit(pool + test)
    X_pool, X_test = featurizer.transform(pool), featurizer.transform(test)
    n_classes = len(set(y_pool))
    print(
        f"\n== {name}: pool {len(pool)}, test {len(test)}, {n_classes} classes, start "
        f"{args.start}/class, batches of {BATCH[name]}, seeds 0-{args.seeds - 1}, queue holds "
        f"items >= {args.uncertainty_min} unsure"
    )
    curves: dict[str, list] = {}
    for order in args.orders:
        runs = [
            simulate(
                X_pool, y_pool, X_test, y_test,
                order=order, head="fast", start_per_class=args.start,
                batch=BATCH[name], n_batches=args.batches, seed=seed,
                uncertainty_min=args.uncertainty_min,
            )
            for seed in range(args.seeds)
        ]  # fmt: skip
        curves[order] = runs
        curve = " ".join(f"{p.n_labels}:{p.macro_f1:.4f}" for p in mean_curve(runs))
        print(f"   {order} ({time.perf_counter() - started:.0f} s): {curve}", flush=True)
    means = {order: mean_curve(runs) for order, runs in curves.items()}
    print(f"{'labels':>7} " + " ".join(f"{o:>28}" for o in means))
    for k, point in enumerate(next(iter(means.values()))):
        cells = []
        for order, runs in curves.items():
            values = [r[k].macro_f1 for r in runs]
            out = f" out {means[order][k].outside_queue}" if order != "random" else ""
            cells.append(
                f"{means[order][k].macro_f1:.4f} [{min(values):.3f}-{max(values):.3f}]{out}"
            )
        print(f"{point.n_labels:>7} " + " ".join(f"{c:>28}" for c in cells))
    if "random" not in means:
        return
    final = means["random"][-1]
    print(f"random order's final macro-F1: {final.macro_f1:.4f} at {final.n_labels} labels")
    for order, curve in means.items():
        if order == "random":
            continue
        needed = labels_to_reach(curve, final.macro_f1)
        if needed is None:
            print(f"  {order}: never reaches it within {final.n_labels} labels")
            continue
        ratio = needed / final.n_labels
        verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(
            f"  {order}: reaches it at {needed:.0f} labels = {ratio:.0%} of random's "
            f"({verdict} the <= {TARGET_RATIO:.0%} target)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets")
    parser.add_argument("--only", default="banking77,clinc150")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--start", type=int, default=5)
    parser.add_argument("--orders", default="queue,diverse,random")
    parser.add_argument(
        "--uncertainty-min", type=float,
        default=Settings.model_fields["review_uncertainty_min"].default,
    )  # fmt: skip
    args = parser.parse_args()
    args.orders = args.orders.split(",")
    warnings.filterwarnings("ignore", category=UserWarning)  # classes absent from a fold
    root = pd_.datasets_dir(args.datasets)
    for name in args.only.split(","):
        run(name, args, root)


if __name__ == "__main__":
    main()
