"""Batched inference on a dedicated thread, shared by every request of the process."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from feedback_ai.ml import FeedbackInput, FeedbackModel, Prediction, load_model, predict

log = logging.getLogger(__name__)
_worker_model: FeedbackModel | None = None


def _init_worker(model_path: str) -> None:
    global _worker_model
    _worker_model = load_model(model_path)
    gc.freeze()


def _worker_version() -> str:
    assert _worker_model is not None
    return _worker_model.version


def _worker_predict(items: list[FeedbackInput]) -> list[Prediction]:
    assert _worker_model is not None
    return predict(_worker_model, items)


# Below this many items per worker, splitting costs more in transfer than it saves.
MIN_ITEMS_PER_WORKER = 100
Classifier = Callable[[Sequence[FeedbackInput]], list[Prediction]]
_Job = tuple[list[FeedbackInput], "Future[list[Prediction]]"]


class BatchingPredictor:
    """Runs predict() off the event loop; requests that arrive together share one batch.

    With `model_path`, batches are scored in a worker process holding its own copy of the
    model, so inference uses a second core instead of competing for the GIL with requests.
    """

    def __init__(
        self,
        model: FeedbackModel,
        *,
        max_batch_items: int = 256,
        model_path: Path | None = None,
        workers: int = 1,
    ) -> None:
        self.model = model
        self.max_batch_items = max_batch_items
        self.model_path = model_path
        self.workers = workers
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None

    def _start_pool(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(str(self.model_path),),
        )
        version = self._pool.submit(_worker_version).result(timeout=300)
        if version != self.model.version:
            raise RuntimeError(f"worker loaded model {version}, expected {self.model.version}")

    def _predict(self, items: list[FeedbackInput]) -> list[Prediction]:
        if self._pool is None:
            return predict(self.model, items)
        try:
            return self._fan_out(items)
        except BrokenProcessPool:
            log.error("inference worker died; starting new ones")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._start_pool()
            return self._fan_out(items)

    def _fan_out(self, items: list[FeedbackInput]) -> list[Prediction]:
        """Split a large batch across the worker processes; small ones stay whole."""
        assert self._pool is not None
        parts = min(self.workers, max(1, len(items) // MIN_ITEMS_PER_WORKER))
        size = -(-len(items) // parts)
        futures = [
            self._pool.submit(_worker_predict, items[i : i + size])
            for i in range(0, len(items), size)
        ]
        return [pred for future in futures for pred in future.result()]

    def start(self) -> BatchingPredictor:
        """Start the inference thread (and the worker process, if any)."""
        if self.model_path is not None and self._pool is None:
            self._start_pool()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="inference", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Finish queued work, then stop the inference thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, items: Sequence[FeedbackInput]) -> Future[list[Prediction]]:
        """Queue items for scoring; the future holds one Prediction per item."""
        future: Future[list[Prediction]] = Future()
        if not items:
            future.set_result([])
            return future
        if self._thread is None:
            raise RuntimeError("BatchingPredictor is not started; call start() first")
        self._queue.put((list(items), future))
        return future

    def __call__(self, items: Sequence[FeedbackInput]) -> list[Prediction]:
        """Score items, blocking the calling (worker) thread until done."""
        return self.submit(items).result()

    def _take_batch(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, size = [first], len(first[0])
        while size < self.max_batch_items:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            size += len(job[0])
        return jobs, False

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, stop = self._take_batch(first)
            self._score(jobs)
            if stop:
                return

    def _score(self, jobs: list[_Job]) -> None:
        flat = [item for items, _ in jobs for item in items]
        try:
            preds = self._predict(flat)
        except Exception:
            if len(jobs) == 1:
                log.exception("prediction failed")
                jobs[0][1].set_exception(RuntimeError("the model failed on this input"))
                return
            for job in jobs:
                self._score([job])
            return
        offset = 0
        for items, future in jobs:
            future.set_result(preds[offset : offset + len(items)])
            offset += len(items)
