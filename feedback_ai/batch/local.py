"""Batch scoring on a pool of local processes, each holding its own copy of the model."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from feedback_ai.batch.engine import in_order
from feedback_ai.batch.errors import ScoringError
from feedback_ai.lifeline import exit_with_parent
from feedback_ai.ml import FeedbackInput, FeedbackModel, Prediction, load_model, predict
from feedback_ai.ml.artifacts import read_manifest

# The model of this worker process: set once by _load, read by every chunk it scores. A
# process-level global is the only state a ProcessPoolExecutor worker can keep between tasks.
_model: FeedbackModel | None = None


def _load(model_path: str, parent_pid: int, sha256: str | None = None) -> None:
    """Pool initializer: die with the parent, load (and verify) the model once.

    With `sha256` (the registry's record) the bytes are checked against it before unpickling.
    """
    global _model
    exit_with_parent(parent_pid)
    _model = load_model(model_path, sha256=sha256)
    gc.freeze()  # the model leaves the garbage collector's scans


def _version() -> str:
    assert _model is not None
    return _model.version


def _score(chunk: list[FeedbackInput]) -> list[Prediction]:
    assert _model is not None
    return predict(_model, chunk)


class LocalEngine:
    """Scores chunks in `workers` processes (default: one per core), answers in input order.

    At most `max_in_flight` chunks (default twice the workers) are queued or being scored, so
    a long input is read only as fast as it is scored and memory stays flat.
    """

    def __init__(
        self,
        model_path: Path | str,
        *,
        workers: int | None = None,
        max_in_flight: int | None = None,
        sha256: str | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.sha256 = sha256
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_in_flight = max(1, max_in_flight or 2 * self.workers)
        self.model_version: str = read_manifest(self.model_path).get("version", "")
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> LocalEngine:
        """Start the processes and wait until they hold the model; raises if it cannot load."""
        if self._pool is not None:
            return self
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load,
            initargs=(str(self.model_path), os.getpid(), self.sha256),
        )
        # One probe per worker makes them all start (and load) now rather than on the first
        # chunks, and a model that cannot load fails here with its reason.
        probes = [self._pool.submit(_version) for _ in range(self.workers)]
        try:
            versions = {p.result() for p in probes}
        except BrokenProcessPool as e:
            self.close()
            raise ScoringError(
                f"the scoring processes could not load the model at {self.model_path}; "
                "run `feedback-ai evaluate --model` on it to see why"
            ) from e
        if versions != {self.model_version}:
            self.close()
            raise ScoringError(f"workers loaded {versions}, expected {self.model_version}")
        return self

    def close(self) -> None:
        """Stop the processes; chunks still queued are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def pids(self) -> list[int]:
        """The worker processes' ids (to measure or signal them)."""
        return list(self._pool._processes) if self._pool is not None else []

    def __enter__(self) -> LocalEngine:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def imap(self, chunks: Iterable[list[FeedbackInput]]) -> Iterator[list[Prediction]]:
        """Score chunks in parallel; yield each chunk's predictions in the order chunks came."""
        if self._pool is None:
            raise RuntimeError("LocalEngine is not started; call start() first")
        pool = self._pool
        return in_order(
            chunks,
            submit=lambda chunk: pool.submit(_score, chunk),
            max_in_flight=self.max_in_flight,
            explain=_explain,
        )


def _explain(number: int, error: Exception) -> str | None:
    if isinstance(error, BrokenProcessPool):
        return f"a scoring process died while scoring chunk {number} (killed, or out of memory)"
    return None
