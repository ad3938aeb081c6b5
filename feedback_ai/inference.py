"""Batched inference on a dedicated thread, shared by every request of the process."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from feedback_ai.lifeline import exit_with_parent, name_process
from feedback_ai.ml import FeedbackInput, FeedbackModel, Prediction, load_model, predict

log = logging.getLogger(__name__)

# Below this many items per worker, splitting costs more in transfer than it saves.
MIN_ITEMS_PER_WORKER = 100
READY_TIMEOUT_S = 300
# Under a stream of single items, how long the first may wait for others to share its batch.
# predict() has a fixed cost per call (~2.5 ms of sklearn, scipy and spaCy set-up on this
# project's CPUs) beside ~1 ms per item: at 100 single POSTs/s, batches of 2-3 items cut the
# model's CPU per request by about a third. It applies only while items arrive closer together
# than this, so a lone request never waits; it adds at most this much to a request's latency.
LINGER_S = 0.015
PROCESS_NAME = "fai-inference"  # what ps and top show for a worker process
Classifier = Callable[[Sequence[FeedbackInput]], list[Prediction]]
# (items, future, arrival time on time.monotonic())
_Job = tuple[list[FeedbackInput], "Future[list[Prediction]]", float]


def _serve(model_path: str, sha256: str | None, conn: Connection, parent_pid: int) -> None:
    """A worker process: load the model once, then answer each batch on the pipe until None."""
    exit_with_parent(parent_pid)
    name_process(PROCESS_NAME)
    try:
        # The worker checks the registry's sha256 itself: the file may have changed since the parent did.
        model = load_model(model_path, sha256=sha256)
    except Exception as e:  # reported to the parent, which refuses to start
        conn.send(("error", f"could not load the model at {model_path}: {e}"))
        return
    gc.freeze()  # the model leaves the garbage collector's scans
    conn.send(("ready", model.version))
    while True:
        try:
            items = conn.recv()
        except EOFError:  # the parent went away
            return
        if items is None:
            return
        try:
            conn.send(("ok", predict(model, items)))
        except Exception as e:  # one bad batch must not take the worker down
            conn.send(("error", f"{type(e).__name__}: {e}"))


class _Worker:
    """One inference process and the pipe to it.

    A plain pipe rather than a ProcessPoolExecutor: the executor's feeder and result threads
    woke three more threads of the server per request, for one batch at a time anyway.
    """

    def __init__(self, model_path: Path, sha256: str | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(str(model_path), sha256, child, os.getpid()),
            name="feedback-ai-inference",
            daemon=True,
        )
        self.process.start()
        child.close()

    def wait_ready(self) -> str:
        """The model version the worker loaded; raises if it could not load one."""
        if not self.conn.poll(READY_TIMEOUT_S):
            raise RuntimeError(f"inference worker not ready after {READY_TIMEOUT_S} s")
        kind, payload = self.conn.recv()
        if kind != "ready":
            raise RuntimeError(payload)
        return payload

    def send(self, items: list[FeedbackInput]) -> None:
        """Hand a batch to the worker."""
        self.conn.send(items)

    def receive(self) -> tuple[str, list[Prediction] | str]:
        """("ok", predictions) or ("error", message); EOFError if the worker died."""
        return self.conn.recv()

    def close(self) -> None:
        """Ask the worker to stop; end it if it does not."""
        with contextlib.suppress(OSError):  # already gone
            self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.conn.close()


@dataclass
class _Serving:
    """The model being served and the worker processes holding their copies of it."""

    model: FeedbackModel
    path: Path | None = None
    sha256: str | None = None
    pool: list[_Worker] = field(default_factory=list)


def _start_pool(path: Path, sha256: str | None, workers: int, version: str) -> list[_Worker]:
    """Worker processes that each loaded the model at `path`; none are left running on failure."""
    pool = [_Worker(path, sha256) for _ in range(workers)]
    try:
        for worker in pool:
            loaded = worker.wait_ready()
            if loaded != version:
                raise RuntimeError(f"worker loaded model {loaded}, expected {version}")
    except BaseException:
        for worker in pool:
            worker.close()
        raise
    return pool


class BatchingPredictor:
    """Runs predict() off the event loop; requests that arrive together share one batch.

    With `model_path`, batches are scored in worker processes holding their own copy of the
    model, so inference uses another core instead of competing for the GIL with requests.
    `swap()` replaces the model while requests keep flowing.
    """

    def __init__(
        self,
        model: FeedbackModel,
        *,
        max_batch_items: int = 256,
        model_path: Path | None = None,
        workers: int = 1,
        sha256: str | None = None,
        linger_s: float = LINGER_S,
    ) -> None:
        self.max_batch_items = max_batch_items
        self.use_workers = model_path is not None
        self.linger_s = linger_s
        self._last_arrival = float("-inf")  # read and written by the inference thread only
        self.workers = workers
        self._serving = _Serving(model, model_path, sha256)
        # Held by the inference thread for a whole batch, and by swap() for the switch itself:
        # a batch never sees half a swap, and the old workers are idle once swap() holds it.
        self._batch_lock = threading.Lock()
        self._swap_lock = threading.Lock()  # one swap at a time
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    @property
    def model(self) -> FeedbackModel:
        """The model answering new batches."""
        return self._serving.model

    @property
    def model_path(self) -> Path | None:
        """Where the worker processes loaded the model from (None: scored in this process)."""
        return self._serving.path

    def _predict(self, items: list[FeedbackInput]) -> list[Prediction]:
        with self._batch_lock:
            serving = self._serving
            if not self.use_workers:
                return predict(serving.model, items)
            try:
                return self._fan_out(serving.pool, items)
            except (EOFError, OSError):
                log.error("an inference worker died; starting new ones")
                for worker in serving.pool:
                    worker.close()
                assert serving.path is not None
                serving.pool = _start_pool(
                    serving.path, serving.sha256, self.workers, serving.model.version
                )
                return self._fan_out(serving.pool, items)

    @staticmethod
    def _fan_out(pool: list[_Worker], items: list[FeedbackInput]) -> list[Prediction]:
        """Split a large batch across the worker processes; small ones stay whole."""
        parts = min(len(pool), max(1, len(items) // MIN_ITEMS_PER_WORKER))
        size = -(-len(items) // parts)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        for worker, chunk in zip(pool, chunks, strict=False):
            worker.send(chunk)
        # Every worker that was sent a chunk must be read, even after an error, or its answer
        # would be taken for the next batch's.
        answers = [worker.receive() for worker, _ in zip(pool, chunks, strict=False)]
        failed = [payload for kind, payload in answers if kind != "ok"]
        if failed:
            raise RuntimeError(f"inference failed: {failed[0]}")
        return [pred for _, payload in answers for pred in payload]  # type: ignore[misc]

    def swap(
        self, model: FeedbackModel, *, model_path: Path | None = None, sha256: str | None = None
    ) -> None:
        """Serve `model` from the next batch on: its workers start beside the old ones, the
        switch waits only for the batch in flight, then the old workers stop.

        If the new workers cannot load the model, this raises and the old model keeps serving.
        """
        with self._swap_lock:
            pool: list[_Worker] = []
            if self.use_workers:
                if model_path is None:
                    raise ValueError("this predictor scores in worker processes: give model_path")
                pool = _start_pool(model_path, sha256, self.workers, model.version)
            with self._batch_lock:
                old, self._serving = self._serving, _Serving(model, model_path, sha256, pool)
            for worker in old.pool:
                worker.close()

    def start(self) -> BatchingPredictor:
        """Start the inference thread (and the worker processes, if any)."""
        serving = self._serving
        if self.use_workers and not serving.pool:
            assert serving.path is not None
            serving.pool = _start_pool(
                serving.path, serving.sha256, self.workers, serving.model.version
            )
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="inference", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Finish queued work, then stop the inference thread and the workers."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
        with self._swap_lock, self._batch_lock:
            for worker in self._serving.pool:
                worker.close()
            self._serving.pool = []

    def submit(self, items: Sequence[FeedbackInput]) -> Future[list[Prediction]]:
        """Queue items for scoring; the future holds one Prediction per item."""
        future: Future[list[Prediction]] = Future()
        if not items:
            future.set_result([])
            return future
        if self._thread is None:
            raise RuntimeError("BatchingPredictor is not started; call start() first")
        self._queue.put((list(items), future, time.monotonic()))
        return future

    def __call__(self, items: Sequence[FeedbackInput]) -> list[Prediction]:
        """Score items, blocking the calling (worker) thread until done."""
        return self.submit(items).result()

    def _take_batch(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, size = [first], len(first[0])
        # Linger only in a stream (the previous job came less than linger_s before this one),
        # and only until linger_s after this job arrived: time it already queued counts.
        dense = first[2] - self._last_arrival < self.linger_s
        deadline = first[2] + self.linger_s if dense else None
        while size < self.max_batch_items:
            try:
                if deadline is None:
                    job = self._queue.get_nowait()
                else:
                    job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            size += len(job[0])
        self._last_arrival = jobs[-1][2]
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
        flat = [item for items, _, _ in jobs for item in items]
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
        for items, future, _ in jobs:
            future.set_result(preds[offset : offset + len(items)])
            offset += len(items)
