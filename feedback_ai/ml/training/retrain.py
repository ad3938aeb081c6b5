"""Retrain from human decisions: snapshot, challenger, gate, and a saved model whose card says why.

The caller (CLI, API job) owns the champion pointer: `retrain` trains and judges a challenger and
says whether it should be promoted; it never switches what is served. A refused challenger is saved
too, so it can be listed with its reason and promoted later with --force.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedback_ai.ml.artifacts import MANIFEST, load_model, save_model, sha256_file
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.themes.taxonomy import Taxonomy, load_taxonomy
from feedback_ai.ml.training.dataset import load_golden
from feedback_ai.ml.training.decisions import Decision
from feedback_ai.ml.training.evaluate import evaluate
from feedback_ai.ml.training.fit import FitConfig, fit_model, seed_config
from feedback_ai.ml.training.gate import DEFAULT_TOLERANCE, gate
from feedback_ai.ml.training.gate_card import card_with_comparison
from feedback_ai.ml.training.scoring import predict_sets
from feedback_ai.ml.training.snapshot import (
    HELD_OUT_FRACTION,
    SNAPSHOT_FILE,
    Snapshot,
    build_snapshot,
    save_snapshot,
    skipped_dict,
)

MAX_LISTED_SKIPS = 100


@dataclass(frozen=True, slots=True)
class RetrainResult:
    """The saved challenger, the snapshot it was trained on, and the gate's verdict."""

    version: str
    path: Path
    snapshot_sha256: str
    promote: bool
    comparison: dict
    metrics: dict


def base_taxonomy(champion: FeedbackModel | None) -> Taxonomy:
    """The champion's themes in their order, then any bundled theme it lacks: no id ever moves."""
    bundled = load_taxonomy()
    if champion is None:
        return bundled
    known = set(champion.taxonomy.ids)
    extra = tuple(t for t in bundled.themes if t.id not in known)
    return Taxonomy(themes=(*champion.taxonomy.themes, *extra))


def _data_info(snapshot: Snapshot, challenger: FeedbackModel, champion: str | None) -> dict:
    return {
        "source": "bundled seed + human decisions (dataset snapshot)",
        "sha256": snapshot.sha256,
        "snapshot_sha256": snapshot.sha256,
        "snapshot_file": SNAPSHOT_FILE,
        "n_examples": len(snapshot.train),
        "n_train": len(snapshot.train),
        "n_held_out": len(snapshot.held_out),
        "n_decisions": snapshot.n_decisions,
        "n_skipped_decisions": len(snapshot.skipped),
        "skipped_decisions": [skipped_dict(s) for s in snapshot.skipped[:MAX_LISTED_SKIPS]],
        "refit_on_all": False,  # the held-out slice is never trained on, not even at the end
        "theme_mode": challenger.theme_mode,
        "champion": champion,
    }


def _add_to_manifest(directory: Path, name: str) -> None:
    """List a file written after save_model in the manifest, so load_model verifies it too."""
    path = directory / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["files"][name] = sha256_file(directory / name)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def retrain(
    *,
    models_dir: Path | str,
    decisions: Sequence[Decision | dict],
    champion_path: Path | str | None,
    tolerance: float = DEFAULT_TOLERANCE,
    force: bool = False,
    config: FitConfig | None = None,
    version: str | None = None,
    held_out_fraction: float = HELD_OUT_FRACTION,
) -> RetrainResult:
    """Snapshot seed + decisions, train a challenger, gate it against the champion, save both."""
    started = time.perf_counter()
    champion = load_model(champion_path) if champion_path else None
    snapshot = build_snapshot(
        decisions=decisions,
        taxonomy=base_taxonomy(champion),
        held_out_fraction=held_out_fraction,
    )
    version = version or f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{snapshot.sha256[:6]}"
    challenger = fit_model(
        list(snapshot.train),
        taxonomy=snapshot.taxonomy,
        version=version,
        config=seed_config(config),
    )
    golden = load_golden()
    held_out = list(snapshot.held_out)
    n_jobs = (config or FitConfig()).n_jobs
    models = {"challenger": challenger} | ({"champion": champion} if champion else {})
    preds = predict_sets(models, {"golden": golden, "reviewed": held_out}, n_jobs=n_jobs)
    verdict = gate(
        champion=champion,
        challenger=challenger,
        golden=golden,
        held_out=held_out,
        tolerance=tolerance,
        force=force,
        predictions=preds,
    )
    metrics: dict = {
        "version": version,
        "golden": evaluate(challenger, golden, preds=preds["challenger", "golden"]),
    }
    if held_out:
        metrics["held_out_reviewed"] = evaluate(
            challenger, held_out, preds=preds["challenger", "reviewed"]
        )
    metrics["gate"] = verdict.comparison
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    data = _data_info(snapshot, challenger, champion.version if champion else None)
    path = Path(models_dir) / version
    card = card_with_comparison(
        challenger, metrics=metrics, data=data, comparison=verdict.comparison
    )
    save_model(challenger, path, metrics=metrics, card=card, data=data)
    save_snapshot(snapshot, path / SNAPSHOT_FILE)
    _add_to_manifest(path, SNAPSHOT_FILE)
    return RetrainResult(
        version=version,
        path=path,
        snapshot_sha256=snapshot.sha256,
        promote=verdict.promote,
        comparison=verdict.comparison,
        metrics=metrics,
    )
