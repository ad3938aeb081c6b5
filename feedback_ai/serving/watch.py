"""Every server watches the champion pointer, so a promotion made anywhere reaches it in seconds."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.db import session_scope
from feedback_ai.serving.champion import current_champion
from feedback_ai.serving.selection import ModelRef
from feedback_ai.serving.swap import ModelSwapper

log = logging.getLogger(__name__)


class ChampionWatcher:
    """Polls the champion pointer and switches the server to a new champion (one thread)."""

    def __init__(
        self, *, factory: sessionmaker[Session], swapper: ModelSwapper, interval_s: float
    ) -> None:
        self.factory = factory
        self.swapper = swapper
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def champion(self) -> ModelRef | None:
        """The champion the database names now, or None."""
        with session_scope(self.factory) as session:
            record = current_champion(session=session)
            return ModelRef.of(record) if record is not None else None

    def check(self) -> bool:
        """Switch to the champion if it is not served yet; True when the champion is served."""
        champion = self.champion()
        if champion is None:
            return False
        if champion == self.swapper.serving:
            self.swapper.last_error = None  # e.g. rolled back from a model that failed to load
            return True
        if self.swapper.gave_up_on(champion):
            return False  # it failed and its file has not changed: the old model serves on
        return self.swapper.switch_to(champion)

    def wake(self) -> None:
        """Check now rather than at the next poll (after a promotion through this server)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except SQLAlchemyError as e:  # the database is away: keep serving, look again later
                log.warning("cannot read the champion pointer: %s", type(e).__name__)
            except Exception:  # the watcher must outlive any one failed check
                log.exception("champion check failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()

    def start(self) -> ChampionWatcher:
        """Start polling in a daemon thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="champion-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling; a switch in progress finishes first."""
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=60)
            self._thread = None
