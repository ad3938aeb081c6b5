"""Every server watches the champion pointer, so a promotion made anywhere reaches it in seconds."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.db import session_scope
from feedback_ai.poller import Poller
from feedback_ai.serving.champion import current_champion
from feedback_ai.serving.selection import ModelRef
from feedback_ai.serving.swap import ModelSwapper

log = logging.getLogger(__name__)


class ChampionWatcher(Poller):
    """Polls the champion pointer and switches the server to a new champion (one thread).

    `wake` checks now rather than at the next poll (after a promotion through this server);
    `stop` lets a switch in progress finish first.
    """

    def __init__(
        self, *, factory: sessionmaker[Session], swapper: ModelSwapper, interval_s: float
    ) -> None:
        super().__init__(name="champion-watch", interval_s=interval_s,
                         failure="champion check failed")  # fmt: skip
        self.factory = factory
        self.swapper = swapper

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

    def poll(self) -> bool:
        """Check once; always False, so the next check waits for the interval (or a wake)."""
        try:
            self.check()
        except SQLAlchemyError as e:  # the database is away: keep serving, look again later
            log.warning("cannot read the champion pointer: %s", type(e).__name__)
        return False
