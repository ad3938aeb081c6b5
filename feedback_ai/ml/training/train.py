"""Train, evaluate on held-out data, and write a versioned artifact with its model card."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from feedback_ai.errors import DataError
from feedback_ai.ml.artifacts import save_model
from feedback_ai.ml.card import render_card
from feedback_ai.ml.themes.taxonomy import Taxonomy, Theme, load_taxonomy, slugify
from feedback_ai.ml.training.dataset import (
    Example,
    data_hash,
    load_golden,
    load_seed,
    read_examples,
)
from feedback_ai.ml.training.evaluate import evaluate
from feedback_ai.ml.training.fit import FitConfig, fit_model


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where the model went and how it scored."""

    version: str
    path: Path
    metrics: dict


def taxonomy_for(
    examples: list[Example], taxonomy_path: Path | str | None, *, bundled: bool
) -> tuple[Taxonomy, list[Example]]:
    """The given taxonomy, the default one for the seed, or one derived from the data's own labels.

    Derived themes get ids made from their labels ("Card payment fee?" -> "card_payment_fee") and keep
    the label as their name; the examples are relabelled with those ids.
    """
    if taxonomy_path is not None or bundled:
        return load_taxonomy(taxonomy_path), examples
    labels = sorted({t for ex in examples for t in ex.themes or ()})
    ids = {label: slugify(label) for label in labels}
    clashes = sorted({i for i in ids.values() if list(ids.values()).count(i) > 1})
    if clashes:
        raise DataError(f"Theme labels collide once made into ids {clashes[:5]}; pass --taxonomy.")
    taxonomy = Taxonomy(themes=tuple(Theme(id=ids[label], name=label) for label in labels))
    relabelled = [
        replace(ex, themes=tuple(ids[t] for t in ex.themes)) if ex.themes else ex for ex in examples
    ]
    return taxonomy, relabelled


def split_holdout(
    examples: list[Example], *, fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
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
        n_held = round(len(items) * fraction)
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
    taxonomy, examples = taxonomy_for(examples, taxonomy_path, bundled=data is None)
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
    save_model(
        model,
        path,
        metrics=metrics,
        card=render_card(model, metrics=metrics, data=data_info),
        data=data_info,
    )
    return TrainResult(version=version, path=path, metrics=metrics)
