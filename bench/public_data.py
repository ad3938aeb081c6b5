"""Readers for the public datasets in ../shared/datasets (never copied into the repo)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def datasets_dir(path: str | None = None) -> Path:
    """--datasets, else $FEEDBACK_AI_DATASETS, else ../shared/datasets beside the repo."""
    root = Path(
        path or os.environ.get("FEEDBACK_AI_DATASETS") or REPO.parent / "shared" / "datasets"
    )
    if not root.is_dir():
        raise SystemExit(
            f"datasets not found at {root}; pass --datasets or set FEEDBACK_AI_DATASETS"
        )
    return root


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return list(csv.DictReader(f))


def banking77(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, intent) train and test."""
    load = lambda name: [(r["text"], r["category"]) for r in _csv(root / "banking77" / name)]  # noqa: E731
    return load("train.csv"), load("test.csv")


def clinc150(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Every split of data_full.json as (text, intent); out-of-scope intents are 'oos'."""
    data = json.loads((root / "clinc150" / "data_full.json").read_text())
    return {split: [(t, lab) for t, lab in rows] for split, rows in data.items()}


def clap(root: Path) -> list[tuple[str, str]]:
    """(review, category) from CLAP rq1."""
    rows = _csv(root / "clap_app_reviews" / "rq1-raw-data.csv")
    return [(r["review"], r["category"]) for r in rows if r.get("review") and r.get("category")]


def storyteller(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(sentence, NULL|F|A) train and test, as published."""
    base = root / "storyteller_requirements"

    # A handful of published rows have an empty sentence; they cannot be classified by anyone.
    def load(name):
        return [
            (r["req_specification"], r["class"])
            for r in _csv(base / name)
            if r["req_specification"].strip()
        ]

    return load("training_set-80_complete.csv"), load("test_set-20_complete.csv")


def promise_exp(root: Path) -> list[tuple[str, str]]:
    """(requirement, class) from PROMISE_exp: F plus 11 non-functional classes."""
    rows = _csv(root / "promise_nfr" / "PROMISE_exp.csv")
    return [(r["RequirementText"], r["_class_"]) for r in rows if r["RequirementText"].strip()]


def write_jsonl(
    path: Path, rows: list[tuple[str, str]], *, head: str, source: str = "other"
) -> Path:
    """Write rows in the user-facing training format, labels under `kind` or `themes`."""
    with path.open("w", encoding="utf-8") as f:
        for text, label in rows:
            value = label if head == "kind" else ([] if label == "oos" else [label])
            f.write(json.dumps({"text": text, "source": source, head: value}) + "\n")
    return path
