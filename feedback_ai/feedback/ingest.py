"""The one write path: find replays, classify new items, store them in one commit, queue linking.

The API, `feedback-ai import` and import jobs all call `ingest` (or `ingest_async`); it knows
nothing of HTTP: item errors are plain ItemError data, turned into answers by the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Literal, Protocol, cast

from anyio import to_thread
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from feedback_ai.db import autocommit_reads, serialized_writes
from feedback_ai.feedback.items import FeedbackCreate, ItemError, content_hash
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.feedback.rows import new_rows, stored_view
from feedback_ai.inference import BatchingPredictor, Classifier
from feedback_ai.ml import FeedbackInput
from feedback_ai.ml import Prediction as ModelPrediction

Status = Literal["created", "replayed", "conflict"]
FULL = (
    selectinload(Feedback.current_prediction).selectinload(Prediction.themes),
    selectinload(Feedback.current_prediction).selectinload(Prediction.candidates),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one submitted item: stored now, stored before, or a clash.

    `feedback` is the loaded row for replays and clashes, and a read-only view of the inserted
    values for new items; both have the attributes of Feedback and its current_prediction.
    """

    status: Status
    feedback: Feedback | SimpleNamespace

    def conflict_error(self) -> ItemError:
        """The error a clash is answered with (or quarantined for)."""
        row = self.feedback
        return ItemError(
            code="conflict",
            message=f"feedback with source={row.source!r} and external_id={row.external_id!r} "
            f"already exists (id {row.id}) with different content; resend it unchanged or use "
            "a new external_id",
        )


class LinkQueue(Protocol):
    """Where committed ids go to be linked to requirements (a Linker, or anything alike)."""

    def submit(self, feedback_ids: list[str]) -> None:
        """Queue committed feedback ids for linking."""
        ...


# Called inside the write transaction, just before its commit: an import stores its checkpoint
# with the chunk's rows, so both land or neither does.
BeforeCommit = Callable[[Session, list[Outcome]], None]


def _key(item: FeedbackCreate) -> tuple[str, str] | None:
    return (item.source, item.external_id) if item.external_id else None


# Built once: constructing a statement per request cost more than running it. A new item (the
# common case) needs only this lookup; stored rows are loaded whole only for replays and clashes.
_FIND = select(Feedback.id).where(
    Feedback.source == bindparam("source"),
    Feedback.external_id.in_(bindparam("external_ids", expanding=True)),
)


# Core inserts of plain rows, one statement per table, built once: the unit of work's per-object
# bookkeeping cost more than the database for a 1,000-item batch, and the ORM's bulk insert
# still a third of a single item's write.
_INSERTS = tuple(
    insert(cast(Table, t.__table__))
    for t in (Feedback, Prediction, PredictionTheme, CandidateRequirement)
)


def _by_column(values: list[dict]) -> list[dict]:
    """Feedback rows by column name (the `extra` attribute is stored as `metadata`)."""
    return [{**{k: v for k, v in row.items() if k != "extra"}, "metadata": row["extra"]}
            for row in values]  # fmt: skip


def _existing(session: Session, items: list[FeedbackCreate]) -> dict[tuple[str, str], Feedback]:
    by_source: dict[str, set[str]] = {}
    for item in items:
        if item.external_id:
            by_source.setdefault(item.source, set()).add(item.external_id)
    ids = [
        i
        for source, external_ids in by_source.items()
        for i in session.scalars(_FIND, {"source": source, "external_ids": sorted(external_ids)})
    ]
    if not ids:
        return {}
    rows = session.scalars(select(Feedback).where(Feedback.id.in_(ids)).options(*FULL))
    return {(r.source, r.external_id): r for r in rows if r.external_id}


@dataclass(slots=True)
class IngestPlan:
    """What a read of the database decided: which items are new, replays or clashes."""

    items: list[FeedbackCreate]
    digests: list[str]
    outcomes: list[Outcome | None]
    first: dict[tuple[str, str], int]
    fresh: list[int]

    @property
    def inputs(self) -> list[FeedbackInput]:
        """What the model must score: the new items only."""
        return [
            FeedbackInput(text=self.items[i].text, source=self.items[i].source) for i in self.fresh
        ]


def plan_ingest(*, session: Session, items: list[FeedbackCreate]) -> IngestPlan:
    """Look up (source, external_id) pairs; ends the read so no connection waits on the model."""
    digests = [content_hash(item) for item in items]
    autocommit_reads(session)
    existing = _existing(session, items)
    session.commit()
    plan = IngestPlan(
        items=items, digests=digests, outcomes=[None] * len(items), first={}, fresh=[]
    )
    for i, item in enumerate(items):
        key = _key(item)
        if key is not None and key in existing:
            row = existing[key]
            same = row.content_sha256 == digests[i]
            plan.outcomes[i] = Outcome("replayed" if same else "conflict", row)
        elif key is None or key not in plan.first:
            if key is not None:
                plan.first[key] = i
            plan.fresh.append(i)
    return plan


def store_ingest(
    *,
    session: Session,
    plan: IngestPlan,
    predictions: list[ModelPrediction],
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
    before_commit: BeforeCommit | None = None,
) -> list[Outcome]:
    """Insert the new items with their predictions and commit; then every item has an outcome."""
    items, digests = plan.items, plan.digests
    rows = {
        i: new_rows(items[i], p, digests[i], actor_key_id, store_raw_text)
        for i, p in zip(plan.fresh, predictions, strict=True)
    }
    stored = {i: stored_view(*r) for i, r in rows.items()}
    outcomes = list(plan.outcomes)
    for i, item in enumerate(items):
        if i in stored:
            outcomes[i] = Outcome("created", stored[i])
        elif outcomes[i] is None:
            j = plan.first[_key(item)]  # type: ignore[index]
            outcomes[i] = Outcome("replayed" if digests[i] == digests[j] else "conflict", stored[j])
    done = [o for o in outcomes if o is not None]
    if rows or before_commit is not None:
        with serialized_writes(session):
            try:
                for k, statement in enumerate(_INSERTS):
                    values = [v for r in rows.values() for v in r[k]]
                    if values:
                        session.execute(statement, _by_column(values) if k == 0 else values)
                if before_commit is not None:
                    before_commit(session, done)
                session.commit()
            except BaseException:
                # Roll back here, in this thread and under the lock: a failed insert (a replay
                # that lost the race) still holds SQLite's write lock, and a rollback queued
                # for a free worker thread left every other writer waiting out its busy timeout.
                session.rollback()
                raise
    return done


def created_ids(outcomes: list[Outcome]) -> list[str]:
    """Ids of the items stored by this call (the ones linking still has to see)."""
    return [o.feedback.id for o in outcomes if o.status == "created"]


def store_scored(
    *,
    session: Session,
    plan: IngestPlan,
    predictions: list[ModelPrediction],
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
    link: LinkQueue | None = None,
    before_commit: BeforeCommit | None = None,
) -> list[Outcome]:
    """store_ingest(), then queue linking; if another writer stored some items meanwhile (its
    plan is stale), plan again and store the rest with the predictions already made."""
    store = partial(
        store_ingest, session=session, actor_key_id=actor_key_id,
        store_raw_text=store_raw_text, before_commit=before_commit,
    )  # fmt: skip
    try:
        outcomes = store(plan=plan, predictions=predictions)
    except IntegrityError:
        # A concurrent request, or an import chunk planned before the previous one was stored.
        session.rollback()
        scored = dict(zip(plan.fresh, predictions, strict=True))
        plan = plan_ingest(session=session, items=plan.items)
        # Only fewer items can be new now: each still new one was scored already.
        outcomes = store(plan=plan, predictions=[scored[i] for i in plan.fresh])
    if link is not None:
        link.submit(created_ids(outcomes))
    return outcomes


def ingest(
    *,
    session: Session,
    items: list[FeedbackCreate],
    classify: Classifier,
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
    link: LinkQueue | None = None,
    before_commit: BeforeCommit | None = None,
) -> list[Outcome]:
    """Store and classify new items, answer replays, queue linking; returns after the commit."""
    plan = plan_ingest(session=session, items=items)
    return store_scored(
        session=session, plan=plan, predictions=classify(plan.inputs), actor_key_id=actor_key_id,
        store_raw_text=store_raw_text, link=link, before_commit=before_commit,
    )  # fmt: skip


async def ingest_async(
    *,
    session: Session,
    items: list[FeedbackCreate],
    predictor: BatchingPredictor,
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
    link: LinkQueue | None = None,
) -> list[Outcome]:
    """ingest() for the event loop: database work in threads, the model's wait holds none."""
    plan = await to_thread.run_sync(partial(plan_ingest, session=session, items=items))
    predictions = await asyncio.wrap_future(predictor.submit(plan.inputs))
    return await to_thread.run_sync(
        partial(
            store_scored,
            session=session,
            plan=plan,
            predictions=predictions,
            actor_key_id=actor_key_id,
            store_raw_text=store_raw_text,
            link=link,
        )
    )
