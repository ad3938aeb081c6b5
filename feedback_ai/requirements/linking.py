"""Group newly stored feedback into requirements, after the ingest commit has acknowledged it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from feedback_ai.requirements.service import link_candidates

log = logging.getLogger(__name__)


def link_new_feedback(*, sessionmaker: Callable[[], Session], feedback_ids: list[str]) -> int:
    """Link each item's candidates; a failure is logged and left for `relink_all`, never lost."""
    linked = 0
    with sessionmaker() as session:
        for feedback_id in feedback_ids:
            try:
                linked += len(link_candidates(session=session, feedback_id=feedback_id))
            except SQLAlchemyError:
                # The feedback itself is already stored; linking is derived and idempotent.
                session.rollback()
                log.exception("requirement linking failed", extra={"feedback_id": feedback_id})
    return linked
