"""A retrain job's outcome as stored in its `result` (shown as the job's summary)."""

from __future__ import annotations

from typing import Any

from feedback_ai.ml.training.retrain import RetrainResult
from feedback_ai.serving.retraining import RetrainInputs, TooFewDecisions


def skipped_result(error: TooFewDecisions, options: dict[str, Any]) -> dict[str, Any]:
    """Nothing trained: too few new decisions since the champion."""
    return {
        "outcome": "skipped", "reasons": [str(error)], "new_decisions": error.fresh,
        "decisions": None, "snapshot_sha256": None, "version": None, "previous_champion": None,
        "gate": {}, "options": options,
    }  # fmt: skip


def gate_result(
    result: RetrainResult, *, inputs: RetrainInputs, options: dict[str, Any]
) -> dict[str, Any]:
    """Promoted or refused, with the gate's figures for champion and challenger per metric."""
    comparison = result.comparison
    return {
        "outcome": "promoted" if result.promote else "refused",
        "reasons": [str(r) for r in comparison.get("reasons", [])],
        "forced": bool(comparison.get("forced", False)),
        "new_decisions": inputs.new_decisions,
        "decisions": len(inputs.decisions),
        "snapshot_sha256": result.snapshot_sha256,
        "version": result.version,
        "previous_champion": inputs.champion_version,
        "gate": {
            name: {k: row.get(k) for k in ("champion", "challenger", "delta", "ok")}
            for name, row in comparison.get("metrics", {}).items()
        },
        "options": options,
    }
