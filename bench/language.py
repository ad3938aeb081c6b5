"""How often English feedback is wrongly flagged non-English, and what the language check costs.

Usage: python bench/language.py [--data DIR]
Runs `guess_language` (the check predict runs on every item) over English texts: the golden set,
the seed, BANKING77's test split, the CLAP app reviews, CLINC150 and PROMISE (DIR, default
../shared/datasets). A
flagged English item goes unscored, so the false-positive rate is the figure to keep at zero. It
also counts what the identifier alone would flag, without the English-function-word fast path.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import time
from pathlib import Path

import feedback_ai.ml.text.language as language
from feedback_ai.ml.text.pii import prepare
from feedback_ai.ml.training.dataset import load_golden, load_seed

# As predict calls it: on the masked text's first 2,000 characters.
PREDICT_CHARS = 2000


def english_sets(data: Path) -> dict[str, list[str]]:
    """Name -> English texts."""
    sets = {
        "golden": [ex.text for ex in load_golden()],
        "seed": [ex.text for ex in load_seed()],
    }
    banking = data / "banking77" / "test.csv"
    if banking.exists():
        with banking.open(newline="") as f:
            sets["banking77 test"] = [row["text"] for row in csv.DictReader(f)]
    clap = data / "clap_app_reviews" / "rq1-raw-data.csv"
    if clap.exists():
        with clap.open(newline="") as f:
            sets["clap rq1 reviews"] = [row["review"] for row in csv.DictReader(f)]
    clinc = data / "clinc150" / "data_full.json"
    if clinc.exists():
        splits = json.loads(clinc.read_text())
        sets["clinc150 all splits"] = [text for rows in splits.values() for text, _ in rows]
    promise = data / "promise_nfr" / "PROMISE_exp.csv"
    if promise.exists():
        with promise.open(newline="", encoding="utf-8", errors="replace") as f:
            sets["promise_exp"] = [row["RequirementText"] for row in csv.DictReader(f)]
    if len(sets) < 6:
        print(f"public datasets not found under {data} (pass --data): bundled data only")
    return {name: [prepare(t).text[:PREDICT_CHARS] for t in texts] for name, texts in sets.items()}


def model_only(text: str) -> str:
    """The verdict with the fast path off: every text with letters goes to the identifier."""
    saved = language._ENGLISH_ONLY
    language._ENGLISH_ONLY = frozenset()
    try:
        return language.guess_language(text)
    finally:
        language._ENGLISH_ONLY = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(
        os.environ.get("FEEDBACK_AI_DATASETS")
        or Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    )
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args()
    sets = english_sets(args.data)
    language.guess_language("Il serait bien d'avoir une version en français.")  # loads the model
    for name, texts in sets.items():
        flagged = [t for t in texts if language.guess_language(t) not in ("en", "und")]
        flagged_model = [t for t in texts if model_only(t) not in ("en", "und")]
        costs = []
        for _ in range(5):
            started = time.perf_counter()
            for text in texts:
                language.guess_language(text)
            costs.append((time.perf_counter() - started) / len(texts) * 1e6)
        print(
            f"{name}: {len(texts)} items, flagged non-English {len(flagged)} "
            f"({len(flagged) / len(texts):.2%}); identifier alone {len(flagged_model)}; "
            f"{statistics.median(costs):.0f} us/item (median of 5, range "
            f"{min(costs):.0f}-{max(costs):.0f})"
        )
        for text in flagged[:10]:
            print(f"    {language.guess_language(text)}: {text[:100]}")


if __name__ == "__main__":
    main()
