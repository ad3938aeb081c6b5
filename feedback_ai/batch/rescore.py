"""Re-predict stored feedback with another model: new prediction rows, the old ones kept.

Reads the items a page at a time (keyset on received_at, id: no OFFSET, so page 1,000 costs what
page 1 does), scores the pages through a ScoringEngine (in process, a process pool or a Dask
cluster), and writes each page's answers in one transaction from this process alone. Human
decisions (requirements, their status and merges, theme labels) live in other tables and are not
touched; the new candidates are linked to requirements as new ones would be.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.batch.errors import ScoringError
from feedback_ai.db import serialized_writes
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.feedback.rows import prediction_rows
from feedback_ai.ml import FeedbackInput
from feedback_ai.ml import Prediction as ModelPrediction
from feedback_ai.requirements.service import link_batch


@dataclass(slots=True)
class RescoreReport:
    """How far a rescore got: items re-predicted, items that already had the model, links."""

    model_version: str
    rescored: int = 0
    already_current: int = 0
    gone: int = 0
    linked: int = 0
    link_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Items re-predicted per second."""
        return self.rescored / self.seconds if self.seconds > 0 else 0.0


def _scope(since: datetime | None):
    return Feedback.received_at >= since if since is not None else true()


def _not_yet(model_version: str):
    """Items whose current prediction is not from `model_version` (or that have none)."""
    done = exists().where(
        Prediction.feedback_id == Feedback.id,
        Prediction.is_current,
        Prediction.model_version == model_version,
    )
    return ~done


def pending_count(*, session: Session, model_version: str, since: datetime | None = None) -> int:
    """How many stored items a rescore with `model_version` would re-predict."""
    query = select(func.count()).select_from(Feedback).where(_scope(since), _not_yet(model_version))
    return session.scalar(query) or 0


def _pages(
    session: Session, model_version: str, since: datetime | None, size: int
) -> Iterator[Sequence[Row]]:
    """Pages of (id, text, source, received_at) in (received_at, id) order, keyset-paginated."""
    last: tuple[datetime, str] | None = None
    while True:
        query = (
            select(Feedback.id, Feedback.text, Feedback.source, Feedback.received_at)
            .where(_scope(since), _not_yet(model_version))
            .order_by(Feedback.received_at, Feedback.id)
            .limit(size)
        )
        if last is not None:
            at, fid = last
            query = query.where(
                or_(Feedback.received_at > at, and_(Feedback.received_at == at, Feedback.id > fid))
            )
        rows = session.execute(query).all()
        session.commit()  # end the read: no transaction stays open while the page is scored
        if not rows:
            return
        yield rows
        last = (rows[-1].received_at, rows[-1].id)


def _write(
    session: Session, ids: list[str], preds: list[ModelPrediction], store_raw_text: bool
) -> None:
    """Retire the items' current predictions and insert the new ones, in one transaction."""
    built = [
        prediction_rows(feedback_id=fid, pred=p, store_raw_text=store_raw_text)
        for fid, p in zip(ids, preds, strict=True)
    ]
    with serialized_writes(session):
        try:
            session.execute(
                update(Prediction)
                .where(Prediction.feedback_id.in_(ids), Prediction.is_current)
                .values(is_current=False)
            )
            session.execute(insert(Prediction), [b[0] for b in built])
            themes = [t for b in built for t in b[1]]
            if themes:
                session.execute(insert(PredictionTheme), themes)
            candidates = [c for b in built for c in b[2]]
            if candidates:
                session.execute(insert(CandidateRequirement), candidates)
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _write_page(
    session: Session, ids: list[str], preds: list[ModelPrediction], store_raw_text: bool
) -> list[str]:
    """Write a page; if items were deleted meanwhile, write the rest. Returns the ids written."""
    try:
        _write(session, ids, preds, store_raw_text)
        return ids
    except IntegrityError:
        alive = set(session.scalars(select(Feedback.id).where(Feedback.id.in_(ids))))
        session.commit()
        if len(alive) == len(ids):
            raise  # not a deletion: a real conflict (another rescore of the same items)
        kept = [(f, p) for f, p in zip(ids, preds, strict=True) if f in alive]
        if kept:
            _write(session, [f for f, _ in kept], [p for _, p in kept], store_raw_text)
        return [f for f, _ in kept]


def rescore(
    *,
    session: Session,
    engine: ScoringEngine,
    model_version: str,
    since: datetime | None = None,
    batch_size: int = 500,
    store_raw_text: bool = True,
    on_page: Callable[[RescoreReport], None] | None = None,
) -> RescoreReport:
    """Re-predict stored items with the started `engine`'s model; resumable and idempotent."""
    started = time.monotonic()
    report = RescoreReport(model_version=model_version)
    total = session.scalar(select(func.count()).select_from(Feedback).where(_scope(since))) or 0
    report.already_current = total - pending_count(
        session=session, model_version=model_version, since=since
    )
    session.commit()
    waiting: deque[list[str]] = deque()  # ids of the pages the engine has read, in order

    def chunks() -> Iterator[list[FeedbackInput]]:
        for rows in _pages(session, model_version, since, batch_size):
            waiting.append([r.id for r in rows])
            yield [FeedbackInput(text=r.text, source=r.source) for r in rows]

    for preds in engine.imap(chunks()):
        ids = waiting.popleft()
        wrong = {p.model_version for p in preds} - {model_version}
        if wrong:
            raise ScoringError(f"the engine scored with {sorted(wrong)}, not {model_version}")
        written = _write_page(session, ids, preds, store_raw_text)
        report.gone += len(ids) - len(written)
        report.rescored += len(written)
        links = link_batch(session=session, feedback_ids=written)
        report.linked += links.linked
        report.link_failed += links.failed
        report.seconds = time.monotonic() - started
        if on_page is not None:
            on_page(report)
    report.seconds = time.monotonic() - started
    return report
