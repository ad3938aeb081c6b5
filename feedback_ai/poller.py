"""Poller: the daemon thread behind the job runners and the champion watcher.

Each of them polls the database on a timer, can be woken early (work was just queued, a model
was just promoted) and must outlive a failed pass. The subclass supplies one pass (`poll`);
this class holds the start / wake / stop lifecycle.
"""

from __future__ import annotations

import logging
import threading
from typing import Self


class Poller:
    """Calls `poll` on its own thread until stopped, waiting `interval_s` after an idle pass."""

    def __init__(self, *, name: str, interval_s: float, failure: str) -> None:
        self.name = name  # the thread's name, as seen in a stack dump
        self.interval_s = interval_s
        self.failure = failure  # logged with the traceback when a pass raises
        # The subclass's own logger, so its log lines keep the name they had before this class.
        self.log = logging.getLogger(type(self).__module__)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> bool:
        """One pass; True when it did work, so the next pass starts without waiting."""
        raise NotImplementedError

    def start(self) -> Self:
        """Start the thread (a second start while it runs does nothing)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Poll now rather than at the end of the current wait."""
        self._wake.set()

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Ask the thread to end after its current pass and wait for it; False if it has not."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout=timeout_s)
        return not thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll()
            except Exception:  # the thread must outlive any one failed pass
                self.log.exception(self.failure)
                busy = False
            if not busy and not self._stop.is_set():
                self._wake.wait(self.interval_s)
                self._wake.clear()
