"""Endpoints to ingest, read, list and classify feedback, and to read the taxonomy."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from feedback_ai.api_errors import ERROR_RESPONSES, ApiError, ErrorBody, FieldError
from feedback_ai.auth.models import ApiKey
from feedback_ai.deps import (
    ApiKeyDep,
    IdPath,
    IngestKeyDep,
    IngestServices,
    IngestServicesDep,
    PredictorDep,
    ReaderKeyDep,
    SessionDep,
    ThemeNamesDep,
)
from feedback_ai.feedback import budget, convert, ingest, service
from feedback_ai.feedback.items import ItemError, parse_items
from feedback_ai.feedback.schemas import (
    BatchItemResult,
    ClassifyRequest,
    ClassifyResponse,
    FeedbackBatchCreate,
    FeedbackBatchResult,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackQuery,
    FeedbacksPublic,
    TaxonomyPublic,
    ThemePublic,
)
from feedback_ai.ml import FeedbackInput
from feedback_ai.ops.metrics import Metrics
from feedback_ai.review import shown

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Same (source, external_id), other content"}
}


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackPublic,
    responses={200: {"model": FeedbackPublic, "description": "Replay: already stored"}, **CONFLICT},
)
async def create_feedback(
    body: FeedbackCreate,
    response: Response,
    session: SessionDep,
    key: IngestKeyDep,
    services: IngestServicesDep,
) -> FeedbackPublic:
    """Store and classify one item: 201 when new, 200 when (source, external_id) was seen."""
    names, settings, metrics = services.theme_names, services.settings, services.metrics
    # Non-ASCII text is normalised to be measured: a few ms for 20,000 characters, off the loop.
    if body.text.isascii():
        budget.check_text(body.text, limit=settings.max_text_chars)
    # One thread for the whole write: the budget check, the plan, the wait for the model and the
    # store. Each hop between the event loop and a thread cost ~0.1-0.2 ms of the server's CPU, and
    # this was three or four hops (plan, the model's answer, store). A single item's wait for the
    # model is short, and these threads have a limiter of their own, so a model busy with a large
    # batch holds none of the threads that other routes need.
    outcome: ingest.Outcome = await to_thread.run_sync(
        partial(
            _ingest_one,
            body,
            session=session,
            services=services,
            actor_key_id=key.id,
        ),
        limiter=services.ingest_threads,
    )
    metrics.items.labels(outcome=outcome.status).inc()
    if outcome.status == "conflict":
        raise ApiError(409, "conflict", outcome.conflict_error().message)
    values = None
    if outcome.status == "replayed":
        response.status_code = status.HTTP_200_OK
        # A stored item may have been relabelled since: show the decisions.
        found = await to_thread.run_sync(
            partial(shown.load, session=session, feedback_ids=[outcome.feedback.id])
        )
        values = found[outcome.feedback.id]
    else:
        current = outcome.feedback.current_prediction  # a new item always has one
        metrics.count_predictions([current.kind if current else None], endpoint="feedback")
    return convert.feedback_public(
        outcome.feedback, theme_names=names, show_text=key.role == "admin", values=values
    )


def _ingest_one(
    body: FeedbackCreate, *, session: Session, services: IngestServices, actor_key_id: str
) -> ingest.Outcome:
    """Check, plan, score and store one item in the calling thread (blocks on the model)."""
    settings = services.settings
    if not body.text.isascii():
        budget.check_text(body.text, limit=settings.max_text_chars)
    (outcome,) = ingest.ingest(
        session=session,
        items=[body],
        classify=services.predictor,
        actor_key_id=actor_key_id,
        store_raw_text=settings.store_raw_text,
        link=services.linker,
    )
    return outcome


@router.post("/feedback/batch", response_model=FeedbackBatchResult)
async def create_feedback_batch(
    body: FeedbackBatchCreate,
    session: SessionDep,
    key: IngestKeyDep,
    services: IngestServicesDep,
) -> FeedbackBatchResult:
    """Store up to 1,000 items; each gets a result or its own error, at its own index."""
    predictor, names, settings = services.predictor, services.theme_names, services.settings
    metrics, linker = services.metrics, services.linker
    if len(body.items) > settings.max_batch_items:
        message = f"a batch holds at most {settings.max_batch_items} items; got {len(body.items)}"
        raise ApiError(
            422,
            "validation_error",
            "1 invalid field: items",
            errors=[FieldError(field="items", message=message, type="too_long")],
        )
    parsed = await to_thread.run_sync(
        partial(
            parse_items,
            body.items,
            max_text_chars=settings.max_text_chars,
            max_request_chars=settings.max_request_chars,
        )
    )
    valid = [(i, p) for i, p in enumerate(parsed) if not isinstance(p, ItemError)]
    outcomes = (
        await ingest.ingest_async(
            session=session,
            items=[p for _, p in valid],
            predictor=predictor,
            actor_key_id=key.id,
            store_raw_text=settings.store_raw_text,
            link=linker,
        )
        if valid
        else []
    )
    return await to_thread.run_sync(
        partial(
            _batch_result,
            parsed,
            valid,
            outcomes,
            names=names,
            key=key,
            metrics=metrics,
            session=session,
        )
    )


@router.api_route(
    "/feedback/batch", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def batch_other_methods() -> None:
    """405 (Allow: POST): without this route, GET /feedback/batch reads "batch" as an item id."""
    raise StarletteHTTPException(405)


def _batch_result(
    parsed: list[FeedbackCreate | ItemError],
    valid: list[tuple[int, FeedbackCreate]],
    outcomes: list[ingest.Outcome],
    *,
    names: dict[str, str],
    key: ApiKey,
    metrics: Metrics,
    session: Session,
) -> FeedbackBatchResult:
    """Per-item results in request order, with counts."""
    replayed = [o.feedback.id for o in outcomes if o.status == "replayed"]
    values = shown.load(session=session, feedback_ids=replayed) if replayed else {}
    results = [
        BatchItemResult(index=i, status="error", error=convert.batch_item_error(p))
        for i, p in enumerate(parsed)
        if isinstance(p, ItemError)
    ]
    for (i, _), outcome in zip(valid, outcomes, strict=True):
        metrics.items.labels(outcome=outcome.status).inc()
        if outcome.status == "conflict":
            error = convert.batch_item_error(outcome.conflict_error())
            results.append(BatchItemResult(index=i, status="error", error=error))
            continue
        if outcome.status == "created":
            current = outcome.feedback.current_prediction  # a new item always has one
            metrics.count_predictions([current.kind if current else None], endpoint="feedback")
        results.append(
            BatchItemResult(
                index=i,
                status=outcome.status,
                feedback=(
                    convert.feedback_public(
                        outcome.feedback,
                        theme_names=names,
                        show_text=key.role == "admin",
                        values=values.get(outcome.feedback.id),
                    )
                ),
            )
        )
    results.sort(key=lambda r: r.index)
    counts = {s: sum(r.status == s for r in results) for s in ("created", "replayed", "error")}
    return FeedbackBatchResult(
        created=counts["created"],
        replayed=counts["replayed"],
        failed=counts["error"],
        results=results,
    )


@router.get(
    "/feedback/{feedback_id}",
    response_model=FeedbackPublic,
    responses={404: {"model": ErrorBody, "description": "No such item"}},
)
def read_feedback(
    feedback_id: IdPath, session: SessionDep, key: ReaderKeyDep, names: ThemeNamesDep
) -> FeedbackPublic:
    """One item: what the product shows (decisions, else the model) and its current prediction."""
    row = service.get_feedback(session=session, feedback_id=feedback_id)
    if row is None:
        raise ApiError(404, "not_found", f"no feedback with id {feedback_id!r}")
    values = shown.load(session=session, feedback_ids=[row.id])[row.id]
    return convert.feedback_public(
        row, theme_names=names, show_text=key.role == "admin", values=values
    )


@router.get("/feedback", response_model=FeedbacksPublic)
def read_feedbacks(
    query: Annotated[FeedbackQuery, Query()],
    session: SessionDep,
    key: ReaderKeyDep,
    names: ThemeNamesDep,
) -> FeedbacksPublic:
    """Items newest received first, filtered on the shown kind and themes (a person's decision,
    else the model's); follow `next_cursor` for more."""
    if query.theme is not None and not service.is_known_theme(
        session=session, theme_id=query.theme, names=names
    ):
        raise ApiError(
            422,
            "validation_error",
            "1 invalid field: theme",
            errors=[
                FieldError(
                    field="theme",
                    type="unknown_theme",
                    message=f"unknown theme {query.theme!r}; GET /v1/taxonomy lists the theme ids",
                )
            ],
        )
    try:
        rows, next_cursor = service.list_feedback(
            session=session, filters=query.to_filter(), cursor=query.cursor, limit=query.limit
        )
    except ValueError as e:
        raise ApiError(
            422,
            "validation_error",
            "1 invalid field: cursor",
            errors=[FieldError(field="cursor", message=f"cursor {e}", type="invalid_cursor")],
        ) from e
    values = shown.load(session=session, feedback_ids=[r.id for r in rows])
    items = [
        convert.feedback_public(
            r, theme_names=names, show_text=key.role == "admin", values=values[r.id]
        )
        for r in rows
    ]
    return FeedbacksPublic(items=items, next_cursor=next_cursor)


@router.post("/classify", response_model=ClassifyResponse)
async def classify(
    body: ClassifyRequest,
    _key: IngestKeyDep,
    services: IngestServicesDep,
) -> ClassifyResponse:
    """Classify texts without storing anything."""
    predictor, names, settings = services.predictor, services.theme_names, services.settings
    metrics = services.metrics
    lengths = await to_thread.run_sync(partial(_text_lengths, body, settings.max_text_chars))
    budget.check_request(lengths, limit=settings.max_request_chars)
    inputs = [FeedbackInput(text=item.text, source=item.source) for item in body.items]
    preds = await asyncio.wrap_future(predictor.submit(inputs))
    metrics.count_predictions([p.kind for p in preds], endpoint="classify")
    return ClassifyResponse(
        # The model that scored: after a hot swap, predictor.model may already be the next one.
        model_version=preds[0].model_version if preds else predictor.model.version,
        results=[convert.classify_result(p, theme_names=names) for p in preds],
    )


def _text_lengths(body: ClassifyRequest, limit: int) -> list[int]:
    return [
        budget.check_text(item.text, limit=limit, field=f"items[{i}].text")
        for i, item in enumerate(body.items)
    ]


@router.get("/taxonomy", response_model=TaxonomyPublic, tags=["taxonomy"])
def read_taxonomy(_key: ApiKeyDep, predictor: PredictorDep, session: SessionDep) -> TaxonomyPublic:
    """The kinds and themes the loaded model predicts, then accepted custom themes; ids never change."""
    model = predictor.model
    themes = [
        ThemePublic(
            id=t.id,
            name=t.name,
            description=t.description,
            parent=t.parent,
            keywords=list(t.keywords),
        )
        for t in model.taxonomy.themes
    ]
    themes += [
        ThemePublic(
            id=t.id,
            name=t.name,
            description=t.description,
            parent=None,
            keywords=[str(k) for k in t.keywords],
            custom=True,
        )
        for t in service.custom_themes(session=session)
    ]
    return TaxonomyPublic(model_version=model.version, kinds=list(model.kinds), themes=themes)
