"""Train, evaluate on held-out data, and write a versioned artifact with its model card."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedback_ai.errors import DataError
from feedback_ai.ml.artifacts import save_model
from feedback_ai.ml.card import render_card
from feedback_ai.ml.dataset import Example, data_hash, load_golden, load_seed, read_examples
from feedback_ai.ml.evaluate import evaluate
from feedback_ai.ml.fit import FitConfig, fit_model
from feedback_ai.ml.taxonomy import Taxonomy, Theme, load_taxonomy, slugify


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where the model went and how it scored."""

    version: str
    path: Path
    metrics: dict


def taxonomy_for(examples: list[Example], taxonomy_path: Path | str | None, *, bundled: bool) -> Taxonomy:
    """The given taxonomy, the default one for the seed, or one derived from the data's own labels."""
    if taxonomy_path is not None or bundled:
        return load_taxonomy(taxonomy_path)
    labels = sorted({t for ex in examples for t in ex.themes or ()})
    if not labels:
        return Taxonomy(themes=())
    bad = [lab for lab in labels if slugify(lab) != lab]
    if bad:
        raise DataError(
            f"Theme labels {bad[:5]} are not valid ids; pass --taxonomy with ids, or use ids like "
            f"{slugify(bad[0])!r} in the data."
        )
    return Taxonomy(themes=tuple(Theme(id=lab, name=lab.replace("_", " ").capitalize()) for lab in labels))


def split_holdout(examples: list[Example], *, fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """A reproducible split, stratified by kind when kinds exist."""
    groups: dict[str | None, list[Example]] = {}
    for ex in examples:
        groups.setdefault(ex.kind, []).append(ex)
    rng = random.Random(seed)
    train: list[Example] = []
    held: list[Example] = []
    for key in sorted(groups, key=str):
        items = groups[key][:]
        rng.shuffle(items)
        n_held = int(round(len(items) * fraction))
        held.extend(items[:n_held])
        train.extend(items[n_held:])
    return train, held


def new_version(examples: list[Example]) -> str:
    """Sortable, unique version name: UTC time plus the data hash prefix."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{data_hash(examples)[:6]}"


def train_model(
    *,
    data: Path | str | None = None,
    taxonomy_path: Path | str | None = None,
    models_dir: Path | str = "models",
    version: str | None = None,
    holdout: float = 0.2,
    config: FitConfig | None = None,
) -> TrainResult:
    """Fit on `data` (the bundled seed when None), evaluate on held-out data, save to models_dir."""
    started = time.perf_counter()
    examples = load_seed() if data is None else read_examples(data)
    taxonomy = taxonomy_for(examples, taxonomy_path, bundled=data is None)
    version = version or new_version(examples)
    config = config or FitConfig()
    metrics: dict = {"version": version}
    if holdout > 0 and len(examples) >= 50:
        train, held = split_holdout(examples, fraction=holdout, seed=config.random_state)
        probe = fit_model(train, taxonomy=taxonomy, version=version, config=config)
        metrics["holdout"] = evaluate(probe, held)
    model = fit_model(examples, taxonomy=taxonomy, version=version, config=config)
    if data is None:
        metrics["golden"] = evaluate(model, load_golden())
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    data_info = {
        "source": "bundled seed" if data is None else str(data),
        "sha256": data_hash(examples),
        "n_examples": len(examples),
        "holdout_fraction": holdout,
    }
    path = Path(models_dir) / version
    save_model(model, path, metrics=metrics, card=render_card(model, metrics=metrics, data=data_info), data=data_info)
    return TrainResult(version=version, path=path, metrics=metrics)
