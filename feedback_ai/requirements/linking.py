"""Group newly stored feedback into requirements, after the ingest commit has acknowledged it."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from feedback_ai.requirements.service import link_batch, link_each

log = logging.getLogger(__name__)


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

    def __init__(self, sessionmaker: Callable[[], Session], *, max_batch: int = 500) -> None:
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> Linker:
        """Start the linking thread."""
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

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            jobs, stop = [first], False
            while sum(map(len, jobs)) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                jobs.append(job)
            try:
                with self.sessionmaker() as session:
                    link_batch(session=session, feedback_ids=[f for job in jobs for f in job])
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
