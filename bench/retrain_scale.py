"""Retrain at scale: wall time and peak RSS of `retrain` with 100,000 labelled items.

The items are made from the bundled seed: each joins one seed item's text to a sentence of another
item of the same kind, numbered so no two texts are equal, labelled with the first item's kind and
both items' themes; one in ten also accepts the first item's requirement sentence. That keeps the
label mix of real decisions while growing the data to the size asked for (vocabulary grows less
than with 100,000 truly distinct texts, so TF-IDF is smaller than it would be on real data).

`retrain` does everything a scheduled run does: snapshot (seed + decisions, held-out slice), fit
the challenger, gate it against a champion on golden + held-out items, save model and snapshot.
Peak RSS is the process's high-water mark (getrusage), measured after building the decisions.

Usage: python bench/retrain_scale.py [--items 100000] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from feedback_ai.ml.training.dataset import load_seed
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.retrain import retrain
from feedback_ai.ml.training.train import train_model

TARGET_SECONDS = 180


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def decisions(n: int, seed: int = 0) -> list[dict]:
    """`n` labelled items as human decisions (see the module docstring)."""
    rng = random.Random(seed)
    examples = load_seed()
    by_kind: dict[str, list] = {}
    for ex in examples:
        by_kind.setdefault(ex.kind, []).append(ex)
    out: list[dict] = []
    for i in range(n):
        a = rng.choice(examples)
        b = rng.choice(by_kind[a.kind])
        tail = b.text.split(". ")[0]
        item = {"item_id": f"scale-{i}", "source": a.source, "decided_at": "2026-11-01T00:00:00"}
        item["text"] = f"{a.text} {tail} (ref {i})"
        out.append(item | {"field": "kind", "value": a.kind})
        themes = sorted({*(a.themes or ()), *(b.themes or ())})
        out.append(item | {"field": "themes", "value": themes})
        if i % 10 == 0 and a.requirements:
            req = a.requirements[0]
            value = {"sentence": req.sentence, "accepted": True, "statement": req.statement}
            out.append(item | {"field": "requirement_sentence", "value": value})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()
    config = FitConfig(use_embeddings=not args.no_embeddings)
    work = Path(tempfile.mkdtemp(prefix="retrain-scale-"))
    print(f"champion: trained on the bundled seed (not timed) in {work}", flush=True)
    champion = train_model(models_dir=work, holdout=0.0, version="champion", config=config)
    made = decisions(args.items)
    before = rss_mb()
    print(f"{args.items} labelled items as {len(made)} decisions; peak RSS so far {before:.0f} MB")
    started = time.perf_counter()
    result = retrain(
        models_dir=work,
        decisions=made,
        champion_path=champion.path,
        config=config,
        version="challenger",
    )
    seconds = time.perf_counter() - started
    gate = result.comparison
    n_train = result.metrics["gate"]["by_set"].get("reviewed", {}).get("n", 0)
    print(
        f"retrain: {seconds:.0f} s wall (target <= {TARGET_SECONDS} s: "
        f"{'met' if seconds <= TARGET_SECONDS else 'missed'}), peak RSS {rss_mb():.0f} MB, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"snapshot {result.snapshot_sha256[:16]}: {n_train} reviewed items held out; verdict "
        f"{gate['decision']}; "
        + ", ".join(f"{k} {v['champion']} -> {v['challenger']}" for k, v in gate["metrics"].items())
    )


if __name__ == "__main__":
    main()
