"""Train, evaluate on held-out data, and write a versioned artifact with its model card."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from feedback_ai.errors import DataError
from feedback_ai.ml.artifacts import save_model
from feedback_ai.ml.card import render_card
from feedback_ai.ml.themes.taxonomy import Taxonomy, Theme, load_taxonomy, slugify
from feedback_ai.ml.training.dataset import (
    Example,
    SkippedRow,
    data_hash,
    load_golden,
    load_seed,
    read_dataset,
)
from feedback_ai.ml.training.evaluate import evaluate
from feedback_ai.ml.training.fit import FitConfig, fit_model, seed_config

# A user's file must keep at least this many usable rows once bad rows are skipped: fewer cannot
# give a held-out estimate or out-of-fold thresholds (3 folds) that mean anything.
MIN_EXAMPLES = 20
# The manifest lists this many skipped rows at most (the CLI prints them all).
MAX_LISTED_SKIPS = 100


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where the model went, how it scored, and the rows of the user's file left out."""

    version: str
    path: Path
    metrics: dict
    skipped: list[SkippedRow] = field(default_factory=list)


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


def outside_taxonomy(
    examples: list[Example], taxonomy: Taxonomy
) -> tuple[list[Example], list[SkippedRow]]:
    """Rows labelled with themes the given taxonomy lacks are skipped, not trained on."""
    ids = set(taxonomy.ids)
    kept: list[Example] = []
    skipped: list[SkippedRow] = []
    for ex in examples:
        unknown = sorted(t for t in ex.themes or () if t not in ids)
        if unknown:
            skipped.append(SkippedRow(ex.row, f"has themes {unknown[:5]} not in the taxonomy"))
        else:
            kept.append(ex)
    return kept, skipped


def usable_examples(
    data: Path | str, taxonomy_path: Path | str | None
) -> tuple[list[Example], Taxonomy, list[SkippedRow]]:
    """A user's file: its usable examples, their taxonomy, and each skipped row with its reason.

    Fails only when the file labels nothing or fewer than MIN_EXAMPLES usable rows are left.
    """
    dataset = read_dataset(data)
    examples, skipped = dataset.examples, list(dataset.skipped)
    if taxonomy_path is not None:
        taxonomy = load_taxonomy(taxonomy_path)
        examples, outside = outside_taxonomy(examples, taxonomy)
        skipped = sorted(skipped + outside, key=lambda s: s.row)
    labelled = [ex for ex in examples if ex.kind or ex.themes is not None]
    if dataset.examples and not labelled and not skipped:
        raise DataError("The data labels neither `kind` nor `themes`; nothing to train.")
    if len(labelled) < MIN_EXAMPLES:
        shown = "; ".join(str(s) for s in skipped[:5])
        raise DataError(
            f"{data}: only {len(labelled)} usable labelled rows of {dataset.n_rows}; at least "
            f"{MIN_EXAMPLES} are needed. {len(skipped)} skipped" + (f": {shown}" if shown else ".")
        )
    if taxonomy_path is None:
        taxonomy, examples = taxonomy_for(examples, None, bundled=False)
    return examples, taxonomy, skipped


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
    """Fit on `data` (the bundled seed when None), evaluate on held-out data, save to models_dir.

    The held-out figures come from a model fitted on the rest; the saved model is then refit on
    every usable example, so none of the user's labels are left out of it.
    """
    started = time.perf_counter()
    skipped: list[SkippedRow] = []
    if data is None:
        examples = load_seed()
        taxonomy, examples = taxonomy_for(examples, taxonomy_path, bundled=True)
    else:
        examples, taxonomy, skipped = usable_examples(data, taxonomy_path)
    version = version or new_version(examples)
    config = seed_config(config) if data is None else config or FitConfig()
    metrics: dict = {"version": version}
    if holdout > 0 and len(examples) >= 50:
        train, held = split_holdout(examples, fraction=holdout, seed=config.random_state)
        probe = fit_model(train, taxonomy=taxonomy, version=version, config=config)
        metrics["holdout"] = evaluate(probe, held) | {"n_fit": len(train)}
    model = fit_model(examples, taxonomy=taxonomy, version=version, config=config)
    if data is None:
        metrics["golden"] = evaluate(model, load_golden())
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    data_info = {
        "source": "bundled seed" if data is None else str(data),
        "sha256": data_hash(examples),
        "n_examples": len(examples),
        "holdout_fraction": holdout,
        "refit_on_all": True,
        "theme_mode": model.theme_mode,
        "n_skipped_rows": len(skipped),
        "skipped_rows": [{"row": s.row, "reason": s.reason} for s in skipped[:MAX_LISTED_SKIPS]],
    }
    path = Path(models_dir) / version
    save_model(
        model,
        path,
        metrics=metrics,
        card=render_card(model, metrics=metrics, data=data_info),
        data=data_info,
    )
    return TrainResult(version=version, path=path, metrics=metrics, skipped=skipped)
