"""Ingest feedback: validate, find replays, classify new items, store them in one commit."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any, Literal

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from feedback_ai.api_errors import FieldError, validation_errors
from feedback_ai.db import autocommit_reads, serialized_writes, utcnow
from feedback_ai.feedback import budget
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.feedback.privacy import mask_json, mask_optional
from feedback_ai.feedback.schemas import BatchItemError, FeedbackCreate
from feedback_ai.ids import new_id
from feedback_ai.inference import BatchingPredictor, Classifier
from feedback_ai.ml import FeedbackInput, mask_pii
from feedback_ai.ml import Prediction as ModelPrediction

Status = Literal["created", "replayed", "conflict"]
JSON_TYPES = {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
              str: "a string", list: "an array"}  # fmt: skip
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


def parse_items(
    raw: list[Any], *, max_text_chars: int, max_request_chars: int | None = None
) -> list[FeedbackCreate | BatchItemError]:
    """Validate each raw batch item on its own; errors name the field inside the item.

    Raises budget.RequestTooLarge when the valid items' texts add up to over `max_request_chars`.
    """
    out: list[FeedbackCreate | BatchItemError] = []
    lengths: list[int] = []
    for data in raw:
        if not isinstance(data, dict):
            out.append(not_an_object(data))
            continue
        try:
            item = FeedbackCreate.model_validate(data)
        except ValidationError as e:
            errors = validation_errors(list(e.errors()))
            out.append(
                BatchItemError(
                    code="validation_error",
                    errors=errors,
                    message="invalid fields: " + ", ".join(dict.fromkeys(x.field for x in errors)),
                )
            )
            continue
        try:
            lengths.append(budget.check_text(item.text, limit=max_text_chars))
        except budget.TextTooLong as e:
            out.append(text_too_long(str(e)))
            continue
        out.append(item)
    if max_request_chars is not None:
        budget.check_request(lengths, limit=max_request_chars)
    return out


def not_an_object(value: Any) -> BatchItemError:
    """The error for a batch item that is not a JSON object (null, a number, a list...)."""
    kind = JSON_TYPES.get(type(value), type(value).__name__)
    message = f"each item must be a JSON object with `text` and `source`; got {kind}"
    return BatchItemError(
        code="validation_error",
        message=message,
        errors=[FieldError(field="item", message=message, type="model_type")],
    )


def text_too_long(message: str) -> BatchItemError:
    """The error for a text over the configured limit."""
    return BatchItemError(
        code="validation_error",
        message=message,
        errors=[FieldError(field="text", message=message, type="string_too_long")],
    )


def content_hash(item: FeedbackCreate) -> str:
    """A fingerprint of what was sent, to tell a faithful replay from a clash."""
    data = item.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def _key(item: FeedbackCreate) -> tuple[str, str] | None:
    return (item.source, item.external_id) if item.external_id else None


def _existing(session: Session, items: list[FeedbackCreate]) -> dict[tuple[str, str], Feedback]:
    by_source: dict[str, set[str]] = {}
    for item in items:
        if item.external_id:
            by_source.setdefault(item.source, set()).add(item.external_id)
    if not by_source:
        return {}
    clauses = [
        (Feedback.source == s) & Feedback.external_id.in_(ids) for s, ids in by_source.items()
    ]
    rows = session.scalars(select(Feedback).where(or_(*clauses)).options(*FULL))
    return {(r.source, r.external_id): r for r in rows if r.external_id}


def _new_rows(
    item: FeedbackCreate,
    pred: ModelPrediction,
    digest: str,
    actor_key_id: str | None,
    store_raw_text: bool = True,
) -> tuple[list[dict[str, Any]], ...]:
    """Column values of the rows to insert: [feedback], [prediction], themes, candidates.

    Without `store_raw_text`, the masked text takes the original's place everywhere it would be
    kept (text, account name, metadata, the candidates' sentences and statements).
    """
    fid, pid, masked, now = new_id(), new_id(), pred.masked_text, utcnow()
    raw = store_raw_text
    feedback = {
        "id": fid,
        "source": item.source,
        "external_id": item.external_id,
        "text": item.text if raw else masked,
        "masked_text": masked,
        "account_id": item.account_id,
        "account_name": item.account_name if raw else mask_optional(item.account_name),
        "arr": item.arr,
        "plan": item.plan,
        "segment": item.segment,
        "received_at": item.received_at or now,
        "created_at": now,
        "extra": item.metadata if raw else mask_json(item.metadata),
        "content_sha256": digest,
        "created_by_key_id": actor_key_id,
    }
    prediction = {
        "id": pid,
        "feedback_id": fid,
        "is_current": True,
        "model_version": pred.model_version,
        "kind": pred.kind,
        "kind_score": pred.kind_score,
        "kind_scores": pred.kind_scores,
        "theme_scores": pred.theme_scores,
        "unassigned": pred.unassigned,
        "explanations": [e.to_dict() for e in pred.explanations],
        "language": pred.language,
        "flags": list(pred.flags),
        "uncertainty": pred.uncertainty,
        "created_at": now,
    }
    themes = [
        {"prediction_id": pid, "theme_id": t.label, "score": t.score, "rank": r}
        for r, t in enumerate(pred.themes)
    ]
    candidates = [
        {
            "id": new_id(),
            "prediction_id": pid,
            "feedback_id": fid,
            "rank": r,
            "statement": c.statement if raw else mask_pii(c.statement),
            "sentence": c.sentence
            if raw
            else masked[c.evidence.masked_start : c.evidence.masked_end],
            "masked_sentence": masked[c.evidence.masked_start : c.evidence.masked_end],
            "start": c.evidence.start,
            "end": c.evidence.end,
            "masked_start": c.evidence.masked_start,
            "masked_end": c.evidence.masked_end,
            "confidence": c.confidence,
            "model_version": pred.model_version,
            "created_at": now,
        }
        for r, c in enumerate(pred.candidates)
    ]
    return [feedback], [prediction], themes, candidates


def _stored_view(
    feedback: list[dict[str, Any]],
    prediction: list[dict[str, Any]],
    themes: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
) -> SimpleNamespace:
    """What was just inserted, read like a loaded Feedback row (the response needs no query)."""
    current = SimpleNamespace(
        **prediction[0],
        themes=[SimpleNamespace(**t) for t in themes],
        candidates=[SimpleNamespace(**c) for c in candidates],
    )
    return SimpleNamespace(**feedback[0], current_prediction=current)


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
) -> list[Outcome]:
    """Insert the new items with their predictions and commit; then every item has an outcome."""
    items, digests = plan.items, plan.digests
    rows = {
        i: _new_rows(items[i], p, digests[i], actor_key_id, store_raw_text)
        for i, p in zip(plan.fresh, predictions, strict=True)
    }
    if rows:
        # ORM bulk inserts (one multi-row statement per table): the unit of work's per-object
        # bookkeeping cost more than the database itself for a 1,000-item batch.
        tables = (Feedback, Prediction, PredictionTheme, CandidateRequirement)
        with serialized_writes(session):
            try:
                for k, table in enumerate(tables):
                    values = [v for r in rows.values() for v in r[k]]
                    if values:
                        session.execute(insert(table), values)
                session.commit()
            except BaseException:
                # Roll back here, in this thread and under the lock: a failed insert (a replay
                # that lost the race) still holds SQLite's write lock, and a rollback queued
                # for a free worker thread left every other writer waiting out its busy timeout.
                session.rollback()
                raise
    stored = {i: _stored_view(*r) for i, r in rows.items()}
    outcomes = list(plan.outcomes)
    for i, item in enumerate(items):
        if i in stored:
            outcomes[i] = Outcome("created", stored[i])
        elif outcomes[i] is None:
            j = plan.first[_key(item)]  # type: ignore[index]
            outcomes[i] = Outcome("replayed" if digests[i] == digests[j] else "conflict", stored[j])
    return [o for o in outcomes if o is not None]


def ingest(
    *,
    session: Session,
    items: list[FeedbackCreate],
    classify: Classifier,
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
) -> list[Outcome]:
    """Store and classify new items, answer replays; returns only after the commit."""
    for attempt in (1, 2):
        plan = plan_ingest(session=session, items=items)
        predictions = classify(plan.inputs)
        try:
            return store_ingest(
                session=session,
                plan=plan,
                predictions=predictions,
                actor_key_id=actor_key_id,
                store_raw_text=store_raw_text,
            )
        except IntegrityError:
            # Another request stored the same (source, external_id) in between: read it back.
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def ingest_async(
    *,
    session: Session,
    items: list[FeedbackCreate],
    predictor: BatchingPredictor,
    actor_key_id: str | None = None,
    store_raw_text: bool = True,
) -> list[Outcome]:
    """ingest() for the event loop: database work in threads, the model's wait holds none."""
    for attempt in (1, 2):
        plan = await to_thread.run_sync(partial(plan_ingest, session=session, items=items))
        predictions = await asyncio.wrap_future(predictor.submit(plan.inputs))
        try:
            return await to_thread.run_sync(
                partial(
                    store_ingest,
                    session=session,
                    plan=plan,
                    predictions=predictions,
                    actor_key_id=actor_key_id,
                    store_raw_text=store_raw_text,
                )
            )
        except IntegrityError:
            await to_thread.run_sync(session.rollback)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
