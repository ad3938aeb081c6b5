"""Fill the queue: new candidates, unsure feedback and theme proposals become review items."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, exists, select, text, update
from sqlalchemy.orm import Session

from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.ids import new_id
from feedback_ai.review import refresh, shown
from feedback_ai.review.decisions import ACTIVE
from feedback_ai.review.models import ReviewDecision, ReviewItem, ReviewItemTheme
from feedback_ai.review.ordering import (
    Inputs,
    Ordering,
    arr_priority,
    candidate_uncertainty,
    proposal_priority,
)
from feedback_ai.review.spread import respread
from feedback_ai.review.sql import chunks, table
from feedback_ai.themes.models import ThemeProposal

log = logging.getLogger(__name__)
# Items added in one sync after which SQLite refreshes its planner statistics.
ANALYZE_AFTER = 1_000
# Review items inserted per write transaction. A sync adds everything that arrived since the last
# one (30 s at 100 single POSTs/s: ~3,800 items); in one transaction that held the write lock for
# ~250 ms, and every ingest queued behind it (most of the single POSTs' p99 on SQLite). Chunks of
# this size hold it about as long as one ingest's own write.
INSERT_PER_COMMIT = 100
# Pause between those transactions, lock released, so that waiting writers go first: a lock
# released and at once taken again by the same thread (which holds the GIL) is no gap at all.
INSERT_PAUSE_S = 0.002


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Items added to the queue, pending items whose subject went away (or that a new
    prediction is sure of), and open feedback items refreshed from a new prediction."""

    added: int
    superseded: int
    refreshed: int = 0


def _has_item(item_type: str, subject: Any) -> Any:
    return exists().where(ReviewItem.item_type == item_type, ReviewItem.subject_id == subject)


def prediction_themes(session: Session, pred_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk in chunks(pred_ids):
        rows = session.execute(
            select(PredictionTheme.prediction_id, PredictionTheme.theme_id)
            .where(PredictionTheme.prediction_id.in_(chunk))
            .order_by(PredictionTheme.prediction_id, PredictionTheme.rank)
        )
        for pid, tid in rows:
            out.setdefault(pid, []).append(tid)
    return out


def _feedback_rows(session: Session, rows: list[Any], ordering: Ordering, typ: str) -> list[dict]:
    """Item rows for candidates or feedback, with shown kind and themes."""
    values = shown.load(session=session, feedback_ids=[r.feedback_id for r in rows])
    out, now = [], utcnow()
    for r in rows:
        if typ == "candidate":
            unsure = candidate_uncertainty(r.confidence, r.uncertainty)
        else:
            unsure = float(r.uncertainty or 0.0)
        priority = arr_priority(r.arr)
        seen = values[r.feedback_id]
        out.append(dict(
            id=new_id(), item_type=typ, subject_id=r.subject_id, feedback_id=r.feedback_id,
            prediction_id=r.prediction_id,
            status="pending", version=1, uncertainty=unsure, priority=priority,
            score=ordering.score(Inputs(typ, unsure, priority, r.received_at)),
            source=r.source, account=r.account_id or r.account_name,
            kind=seen.kind, themes=[t.id for t in seen.themes],
            statement=getattr(r, "statement", None), duplicate_of=None,
            received_at=r.received_at, created_at=now, updated_at=now,
        ))  # fmt: skip
    return out


def _decided_sentence() -> Any:
    """A PM already placed this sentence of this item (under an earlier prediction)."""
    other = CandidateRequirement.__table__.alias("decided_cand")
    return (
        exists()
        .where(other.c.id == ReviewDecision.subject_id)
        .where(ReviewDecision.subject_type == "candidate", ReviewDecision.field == "requirement")
        .where(*ACTIVE, ReviewDecision.feedback_id == CandidateRequirement.feedback_id)
        .where(other.c.masked_sentence == CandidateRequirement.masked_sentence)
    )


def _insert(session: Session, rows: list[dict]) -> None:
    """Insert the new items in short transactions, each under the write lock, committed.

    Each chunk stands alone (an item and its themes land together), so a stop midway leaves
    only items the next sync adds.
    """
    for n, chunk in enumerate(chunks(rows, INSERT_PER_COMMIT)):
        if n:
            time.sleep(INSERT_PAUSE_S)
        themes = [{"item_id": r["id"], "theme_id": t} for r in chunk for t in r["themes"]]
        with serialized_writes(session):
            session.execute(table(ReviewItem).insert(), chunk)
            if themes:
                session.execute(table(ReviewItemTheme).insert(), themes)
            session.commit()


def sync_queue(*, session: Session, ordering: Ordering, uncertainty_min: float) -> SyncReport:
    """Add review items for everything not yet queued, retire stale pending ones; commits."""
    current = and_(Prediction.feedback_id == Feedback.id, Prediction.is_current)
    common = (
        Feedback.id.label("feedback_id"), Feedback.source, Feedback.account_id,
        Feedback.account_name, Feedback.arr, Feedback.received_at, Prediction.kind,
        Prediction.uncertainty, Prediction.id.label("prediction_id"),
    )  # fmt: skip
    cands = session.execute(
        select(CandidateRequirement.id.label("subject_id"), CandidateRequirement.statement,
               CandidateRequirement.confidence, *common)
        .join(Prediction, Prediction.id == CandidateRequirement.prediction_id)
        .join(Feedback, Feedback.id == CandidateRequirement.feedback_id)
        .where(Prediction.is_current, ~_has_item("candidate", CandidateRequirement.id))
        .where(~_decided_sentence())
    ).all()  # fmt: skip
    unsure = session.execute(
        select(Feedback.id.label("subject_id"), *common)
        .join(Prediction, current)
        .where(Prediction.uncertainty >= uncertainty_min, ~_has_item("feedback", Feedback.id))
    ).all()
    stale = refresh.stale_items(session=session, ordering=ordering, uncertainty_min=uncertainty_min)
    rows = _feedback_rows(session, list(cands), ordering, "candidate")
    rows += _feedback_rows(session, list(unsure), ordering, "feedback")
    now = utcnow()
    for p in session.scalars(
        select(ThemeProposal).where(
            ThemeProposal.status == "proposed", ~_has_item("theme_proposal", ThemeProposal.id)
        )
    ):
        unsure_p, priority = round(1.0 - float(p.cohesion), 4), proposal_priority(p.size)
        rows.append(dict(
            id=new_id(), item_type="theme_proposal", subject_id=p.id, feedback_id=None,
            prediction_id=None,
            status="pending", version=1, uncertainty=unsure_p, priority=priority,
            score=ordering.score(Inputs("theme_proposal", unsure_p, priority, p.created_at)),
            source=None, account=None, kind=None, themes=[], statement=p.name,
            duplicate_of=None, received_at=p.created_at,
            created_at=now, updated_at=now,
        ))  # fmt: skip
    # _retire writes too: on SQLite its UPDATE took the database's write lock while this thread
    # still queued for the process's, and a request that held the latter waited on the former
    # (5 s busy timeouts both ways, 503s for every request queued behind them).
    with serialized_writes(session):
        superseded = _retire(session)
        refreshed, left = refresh.refresh_items(session=session, rows=stale)
        session.commit()
    _insert(session, rows)
    respread(session=session, ordering=ordering)
    if len(rows) + refreshed >= ANALYZE_AFTER:
        refresh_statistics(session)
    return SyncReport(added=len(rows), superseded=superseded + left, refreshed=refreshed)


def refresh_statistics(session: Session) -> None:
    """Let the planner see the queue's new size: with stale statistics both databases sort the
    whole pending set instead of walking the (status, score, id) index (30 ms vs 0.3 ms at 20k)."""
    with serialized_writes(session):  # both write the statistics tables
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("PRAGMA optimize"))
        else:
            session.execute(text("ANALYZE review_item"))
            session.execute(text("ANALYZE review_item_theme"))
        session.commit()


def _retire(session: Session) -> int:
    """Pending candidates of an older prediction, and proposals no longer proposed, leave."""
    stale_cand = (
        select(CandidateRequirement.id)
        .join(Prediction, Prediction.id == CandidateRequirement.prediction_id)
        .where(~Prediction.is_current)
    )
    live_prop = select(ThemeProposal.id).where(ThemeProposal.status == "proposed")
    pending = ReviewItem.status == "pending"
    n = 0
    for cond in (
        and_(ReviewItem.item_type == "candidate", ReviewItem.subject_id.in_(stale_cand)),
        and_(ReviewItem.item_type == "theme_proposal", ReviewItem.subject_id.not_in(live_prop)),
    ):
        result = session.execute(
            update(ReviewItem)
            .where(pending, cond)
            .values(status="superseded", version=ReviewItem.version + 1)
        )
        n += cast(CursorResult, result).rowcount
    return n


class QueueSync:
    """A thread that runs sync_queue every `interval_s` seconds until stopped."""

    def __init__(self, sessionmaker: Callable[[], Session], *, interval_s: float,
                 ordering: Ordering, uncertainty_min: float) -> None:  # fmt: skip
        self.sessionmaker, self.interval_s = sessionmaker, interval_s
        self.ordering, self.uncertainty_min = ordering, uncertainty_min
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> QueueSync:
        """Start the thread (idempotent)."""
        if self._thread is None and self.interval_s > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="review-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread, waiting for a running sync to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                with self.sessionmaker() as session:
                    sync_queue(session=session, ordering=self.ordering,
                               uncertainty_min=self.uncertainty_min)  # fmt: skip
            except Exception:
                log.exception("review queue sync failed; it runs again in %ss", self.interval_s)


def rescore(*, session: Session, ordering: Ordering) -> int:
    """Score every pending item with `ordering` (after swapping it); commits; returns the count."""
    rows = session.execute(
        select(ReviewItem.id, ReviewItem.item_type, ReviewItem.uncertainty, ReviewItem.priority,
               ReviewItem.received_at).where(ReviewItem.status == "pending")
    ).all()  # fmt: skip
    scores = [
        {"item_id": r.id, "score": ordering.score(
            Inputs(r.item_type, r.uncertainty, r.priority, r.received_at))}
        for r in rows
    ]  # fmt: skip
    table_ = table(ReviewItem)
    stmt = (
        table_.update().where(table_.c.id == bindparam("item_id")).values(score=bindparam("score"))
    )
    with serialized_writes(session):
        for chunk in chunks(scores):
            session.execute(stmt, list(chunk))
        session.commit()
    respread(session=session, ordering=ordering)
    return len(scores)
