"""Group newly stored feedback into requirements, after the ingest commit has acknowledged it."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.lifeline import exit_with_parent, name_process
from feedback_ai.requirements.service import link_batch, link_each

log = logging.getLogger(__name__)
_worker_sessionmaker: Callable[[], Session] | None = None
LINKER_NICENESS = 10
PROCESS_NAME = "fai-linker"  # what ps and top show for the linker's process


def _init_worker(database_url: str, parent_pid: int, niceness: int, busy_timeout_ms: int) -> None:
    global _worker_sessionmaker
    from feedback_ai.db import make_engine, make_sessionmaker

    exit_with_parent(parent_pid)
    name_process(PROCESS_NAME)

    if niceness:
        with contextlib.suppress(OSError):
            os.nice(niceness)

    _worker_sessionmaker = make_sessionmaker(
        make_engine(database_url, busy_timeout_ms=busy_timeout_ms)
    )


def _link_in_worker(feedback_ids: list[str]) -> int:
    assert _worker_sessionmaker is not None
    with _worker_sessionmaker() as session:
        # This process only links: no thread here waits for the GIL (see place_all).
        return link_batch(session=session, feedback_ids=feedback_ids, share_gil=False).linked


def process_url_for(engine: Engine) -> str | None:
    """The URL a linker process connects with; None for an in-memory SQLite database (in-process).

    On SQLite too: a linker thread's matching (~1 ms of Python per item, 100-250 ms a batch at
    100 POSTs/s) held the GIL that request threads need between their short steps, and single
    POSTs that arrived during a batch took 2-4x as long (most of p95-p99 after the review sync).
    The two processes take turns at the write lock through the busy handler, as `feedback-ai
    import` does; the linker's write transactions are short (its matching runs before them).
    """
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    return engine.url.render_as_string(hide_password=False)


def link_new_feedback(*, sessionmaker: Callable[[], Session], feedback_ids: list[str]) -> int:
    """Link each item's candidates; any failure is logged per item and left for `relink_all`.

    The feedback itself is already stored, so one bad item (whatever it raises) must neither
    abort the others nor surface: link_each catches every Exception item by item.
    """
    with sessionmaker() as session:
        return link_each(session=session, feedback_ids=feedback_ids).linked


class Linker:
    """One background thread that links new feedback in batches, off the request path.

    Per-request linking competed with ingest for the GIL and SQLite's write lock; one thread
    that takes everything queued and commits it at once costs a fraction of that.
    """

    def __init__(
        self,
        sessionmaker: Callable[[], Session],
        *,
        max_batch: int = 500,
        linger_s: float = 0.2,
        max_linger_s: float = 1.0,
        process_url: str | None = None,
        niceness: int = LINKER_NICENESS,
        busy_timeout_ms: int = 5_000,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        # Waiting a moment for more items turns a stream of single POSTs into one transaction
        # a second instead of one each: linking is derived, so it can wait. A batch closes after
        # `linger_s` without new items, or `max_linger_s` after its first. Each transaction has
        # a fixed cost of ~5 ms (its statements), so at 100 POSTs/s batches of ~100 items cost
        # half as much per item as the ~20 that a fixed 0.2 s linger gathered.
        self.linger_s = linger_s
        self.max_linger_s = max_linger_s
        # With a database server, linking runs in its own process: its CPU work then never holds
        # the GIL that request threads need (on PostgreSQL it tripled single-POST latency).
        # On SQLite too (see process_url_for); None links in this thread (in-memory SQLite).
        self.process_url = process_url
        # Linking is derived work that can wait: when it and requests want the same core, requests
        # go first (its bursts of CPU every batch were the tail of single-POST latency). A
        # process with no requests to serve (the import command) passes 0.
        self.niceness = niceness
        # The worker process opens its own engine: it waits for SQLite's write lock as long as
        # the process that started it was configured to (FEEDBACK_AI_DB_BUSY_TIMEOUT_MS).
        self.busy_timeout_ms = busy_timeout_ms
        self._pool: ProcessPoolExecutor | None = None
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> Linker:
        """Start the linking thread (and its worker process, if any)."""
        if self.process_url is not None and self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.process_url, os.getpid(), self.niceness, self.busy_timeout_ms),
            )
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="linker", daemon=True)
            self._thread.start()
        return self

    def submit(self, feedback_ids: list[str]) -> None:
        """Queue committed feedback ids for linking."""
        if feedback_ids:
            self._queue.put(list(feedback_ids))

    def join(self) -> None:
        """Block until everything submitted so far has been linked (or logged as failed)."""
        self._queue.join()

    def close(self) -> None:
        """Link what is queued, then stop; anything left over is picked up by `relink`."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            jobs, stop = self._gather(first)
            ids = [f for job in jobs for f in job]
            try:
                if self._pool is not None:
                    self._pool.submit(_link_in_worker, ids).result()
                else:
                    with self.sessionmaker() as session:
                        link_batch(session=session, feedback_ids=ids)
            except Exception:
                log.exception(
                    "requirement linking failed; `feedback-ai requirements relink` retries"
                )
            finally:
                for _ in jobs:
                    self._queue.task_done()
            if stop:
                self._queue.task_done()
                return

    def _gather(self, first: list[str]) -> tuple[list[list[str]], bool]:
        """`first` and the jobs that follow it within the linger; True if told to stop."""
        jobs, size = [first], len(first)
        deadline = time.monotonic() + self.max_linger_s
        while size < self.max_batch:
            # Sleep, then take what came meanwhile: waiting on the queue instead woke this
            # thread (which then took the GIL from requests) once per POST.
            time.sleep(max(0.0, min(self.linger_s, deadline - time.monotonic())))
            came = 0
            while size < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    return jobs, True
                jobs.append(job)
                size += len(job)
                came += 1
            if not came or time.monotonic() >= deadline:
                break
        return jobs, False
