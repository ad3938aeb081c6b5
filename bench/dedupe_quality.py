"""Duplicate grouping on CLAP rq3 (725 reviews, human clusters): ours vs TF-IDF + agglomerative.

Clusters in rq3 are numbered per app ("C1" exists in several apps), so the truth is
(app, cluster) and both methods group within one app at a time. Both get the same tuning budget:
a grid of 24 settings each, chosen by leave-one-app-out cross-validation on pairwise F1
(pick on 13 apps, score the 14th).

Usage: python bench/dedupe_quality.py [--data DIR]   (or FEEDBACK_AI_DATASETS=DIR)
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections import defaultdict
from itertools import product
from math import comb
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from feedback_ai.ml.grouping.matcher import GroupingConfig, RequirementIndex

RQ3 = "clap_app_reviews/rq3-manually-classified-implemented-reviews.csv"
OURS_GRID = list(product([0.05, 0.1, 0.15, 0.2, 0.25, 0.3], [0.25, 0.5], [1, 25]))
BASE_GRID = list(
    product([0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95], ["average", "complete", "single"])
)


def datasets_dir(arg: str | None) -> Path:
    """--data, else $FEEDBACK_AI_DATASETS, else ../shared/datasets next to the repository."""
    if arg:
        return Path(arg)
    env = os.environ.get("FEEDBACK_AI_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def load(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Reviews by app, as (text, cluster) in file order."""
    apps: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            apps[row["App-name"]].append((row["body"], row["cluster"]))
    return dict(apps)


def ours(texts: list[str], setting: tuple[float, float, int]) -> list[str]:
    """Online matching as ingest does it; term statistics primed from the app's texts."""
    threshold, fuzzy_weight, profile_members = setting
    config = GroupingConfig(
        threshold=threshold, fuzzy_weight=fuzzy_weight, profile_members=profile_members
    )
    index = RequirementIndex(config=config)
    index.observe(texts)
    return [m.key for m in index.consolidate(texts)]


def baseline(texts: list[str], setting: tuple[float, str]) -> list[str]:
    """Plain TF-IDF (sklearn, English stopwords) and agglomerative clustering on cosine."""
    threshold, linkage = setting
    if len(texts) < 2:
        return ["0"] * len(texts)
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts).toarray()
    x[~x.any(axis=1), 0] = 1e-9  # an all-stopword review still needs a vector
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="cosine", linkage=linkage
    )
    return [str(label) for label in model.fit_predict(x)]


def pair_counts(truth: list[str], pred: list[str]) -> tuple[int, int, int]:
    """(true-positive pairs, predicted pairs, true pairs)."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for t, p in zip(truth, pred, strict=True):
        cells[(t, p)] += 1
    by_pred: dict[str, int] = defaultdict(int)
    by_true: dict[str, int] = defaultdict(int)
    for (t, p), n in cells.items():
        by_pred[p] += n
        by_true[t] += n
    tp = sum(comb(n, 2) for n in cells.values())
    return tp, sum(comb(n, 2) for n in by_pred.values()), sum(comb(n, 2) for n in by_true.values())


def prf(tp: int, predicted: int, true: int) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1."""
    p = tp / predicted if predicted else 0.0
    r = tp / true if true else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(apps: dict, method, grid: list) -> dict:
    """Leave-one-app-out: per held-out app, pick the setting with the best F1 on the others."""
    counts = {(app, s): pair_counts([c for _, c in apps[app]], method([t for t, _ in apps[app]], s))
              for app in apps for s in grid}  # fmt: skip
    preds: dict[str, list[str]] = {}
    chosen = []
    for held in apps:

        def pooled_f1(s, held=held):
            sums = np.sum([counts[(a, s)] for a in apps if a != held], axis=0)
            return prf(*sums)[2]

        best = max(grid, key=lambda s: (pooled_f1(s), -grid.index(s)))
        chosen.append(best)
        rows = apps[held]
        preds[held] = [f"{held}/{k}" for k in method([t for t, _ in rows], best)]
    macro_ari = float(
        np.mean([adjusted_rand_score([c for _, c in apps[a]], preds[a]) for a in apps])
    )
    truth = [f"{a}/{c}" for a in apps for _, c in apps[a]]
    pred = [p for a in apps for p in preds[a]]
    p, r, f1 = prf(*pair_counts(truth, pred))
    in_sample = max(prf(*np.sum([counts[(a, s)] for a in apps], axis=0))[2] for s in grid)
    return {"P": p, "R": r, "F1": f1, "ARI": adjusted_rand_score(truth, pred),
            "groups": len(set(pred)), "mARI": macro_ari, "in_sample_F1": in_sample,
            "chosen": max(set(chosen), key=chosen.count)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="datasets directory (default: $FEEDBACK_AI_DATASETS)")
    args = parser.parse_args()
    path = datasets_dir(args.data) / RQ3
    apps = load(path)
    n = sum(len(v) for v in apps.values())
    truth_groups = len({(a, c) for a in apps for _, c in apps[a]})
    print(f"{path}: {n} reviews, {len(apps)} apps, {truth_groups} human clusters (app, cluster)")
    head = "".join(f"{h:>7}" for h in ("P", "R", "F1", "ARI", "mARI", "groups", "inF1"))
    print(f"{'method':<34}{head}  setting")
    for name, method, grid in (
        ("ours (RequirementIndex, online)", ours, OURS_GRID),
        ("TF-IDF + agglomerative", baseline, BASE_GRID),
    ):
        start = time.perf_counter()
        m = evaluate(apps, method, grid)
        print(f"{name:<34}{m['P']:>7.3f}{m['R']:>7.3f}{m['F1']:>7.3f}{m['ARI']:>7.3f}{m['mARI']:>7.3f}"
              f"{m['groups']:>7}{m['in_sample_F1']:>7.3f}  {m['chosen']} "
              f"({time.perf_counter() - start:.1f}s for {len(grid)} settings)")  # fmt: skip
    print(
        "P/R/F1 pairwise, ARI pooled, mARI = mean per-app ARI; all leave-one-app-out."
        " inF1 = best in-sample F1 (optimistic, for reference)."
    )


if __name__ == "__main__":
    main()
