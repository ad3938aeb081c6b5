"""Pick the scoring engine for a run: a Dask cluster, a local process pool, or this process."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from feedback_ai.batch.engine import InlineEngine, ScoringEngine
from feedback_ai.ml import FeedbackModel

if TYPE_CHECKING:
    from distributed import Client


def make_engine(
    *,
    model: FeedbackModel,
    model_path: Path | str,
    workers: int | None = None,
    dask_scheduler: str | Client | None = None,
    sha256: str | None = None,
) -> ScoringEngine:
    """A Dask engine when given a scheduler (address or Client); else `workers` local processes
    (None: one per core); `workers=0` scores in this process. Not started."""
    if dask_scheduler is not None:
        from feedback_ai.batch.dask_engine import DaskEngine

        if isinstance(dask_scheduler, str):
            return DaskEngine(model, scheduler=dask_scheduler)
        return DaskEngine(model, client=dask_scheduler)
    if workers == 0:
        return InlineEngine(model)
    from feedback_ai.batch.local import LocalEngine

    return LocalEngine(model_path, workers=workers, sha256=sha256)
