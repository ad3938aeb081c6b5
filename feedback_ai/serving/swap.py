"""Switch a running server to another registered model without a restart or a failed request."""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path
from typing import Any

from feedback_ai.inference import BatchingPredictor
from feedback_ai.ml import load_model
from feedback_ai.serving.registry import check_artifact
from feedback_ai.serving.selection import ModelRef
from feedback_ai.settings import Settings

log = logging.getLogger(__name__)


def _signature(ref: ModelRef) -> tuple[int, int] | None:
    """The artifact file's (mtime, size): a failed model is retried only once its file changed."""
    try:
        stat = (Path(ref.path) / "model.joblib").stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class ModelSwapper:
    """Loads registered models into the app's state (model, predictor, theme names, metrics).

    A model is unpickled only after its artifact matched the registry's sha256, and switched to
    only once it (and every inference worker's copy) loaded; on any failure the old one serves on.
    """

    def __init__(self, *, state: Any, settings: Settings) -> None:
        self.state = state
        self.settings = settings
        self.serving: ModelRef | None = None
        self.last_error: str | None = None
        self._failed: dict[ModelRef, tuple[int, int] | None] = {}
        self._lock = threading.Lock()

    def gave_up_on(self, ref: ModelRef) -> bool:
        """Whether `ref` failed before and its file has not changed since (no retry storm)."""
        return ref in self._failed and self._failed[ref] == _signature(ref)

    def switch_to(self, ref: ModelRef) -> bool:
        """Serve `ref` from now on; False (and the old model serving on) if it cannot be loaded."""
        with self._lock:
            if self.serving == ref:
                return True
            try:
                self._switch(ref)
            except Exception as e:  # whatever the artifact does, the old model keeps serving
                self._failed[ref] = _signature(ref)
                self.last_error = f"model {ref.version}: {e}"
                log.error("not switching to model %s: %s", ref.version, e)
                return False
            self._failed.pop(ref, None)
            previous, self.serving, self.last_error = self.serving, ref, None
            if previous is not None:
                # The startup model was frozen out of the collector's scans (gc.freeze in the
                # lifespan): thaw it so the dropped model's reference cycles are freed.
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            log.info(
                "now serving model %s%s",
                ref.version,
                f" (was {previous.version})" if previous else "",
            )
            return True

    def serve_first(self, refs: list[ModelRef]) -> ModelRef | None:
        """Serve the first of `refs` that loads; None if none does. The first failure stays in
        last_error: serving a fallback is not the same as serving the champion."""
        first_error = None
        for ref in refs:
            if self.switch_to(ref):
                self.last_error = first_error
                return ref
            first_error = first_error or self.last_error
        return None

    def _switch(self, ref: ModelRef) -> None:
        directory = check_artifact(record=ref)  # sha256 against the registry, nothing unpickled
        model = load_model(directory, sha256=ref.sha256)
        worker_path = directory if self.settings.inference_process else None
        predictor: BatchingPredictor | None = self.state.predictor
        if predictor is None:
            predictor = BatchingPredictor(
                model,
                model_path=worker_path,
                workers=self.settings.inference_workers,
                sha256=ref.sha256,
                linger_s=self.settings.inference_linger_ms / 1000,
            ).start()
            self.state.predictor = predictor
        else:
            predictor.swap(
                model, model_path=directory if predictor.use_workers else None, sha256=ref.sha256
            )
        self.state.model = model
        self.state.theme_names = {t.id: t.name for t in model.taxonomy.themes}
        self.state.metrics.set_model(model.version)
