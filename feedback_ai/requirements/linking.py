"""Group newly stored feedback into requirements, after the ingest commit has acknowledged it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from feedback_ai.requirements.service import link_each


def link_new_feedback(*, sessionmaker: Callable[[], Session], feedback_ids: list[str]) -> int:
    """Link each item's candidates; any failure is logged per item and left for `relink_all`.

    The feedback itself is already stored, so one bad item (whatever it raises) must neither
    abort the others nor surface: link_each catches every Exception item by item.
    """
    with sessionmaker() as session:
        return link_each(session=session, feedback_ids=feedback_ids).linked
