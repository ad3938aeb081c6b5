"""Endpoints of the review queue: read, lease, act on items, bulk actions, records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from feedback_ai.api_errors import ERROR_RESPONSES, NOT_FOUND, STALE_CONFLICT, ApiError
from feedback_ai.db import utcnow
from feedback_ai.deps import IdPath, ReaderKeyDep, SessionDep, SettingsDep
from feedback_ai.fields import ID_PATTERN, CleanStr
from feedback_ai.review import service
from feedback_ai.review.queue import CursorError
from feedback_ai.review.schemas import (
    AcceptBody,
    BulkBody,
    BulkPreview,
    BulkResult,
    DecisionPublic,
    DecisionsPublic,
    DuplicateBody,
    EditBody,
    HistoryPublic,
    ItemPublic,
    MergeBody,
    QueuePublic,
    QueueQuery,
    RejectBody,
    RelabelBody,
    RequirementHits,
    SyncResult,
    UndoBody,
)

router = APIRouter(prefix="/v1/review", tags=["review"], responses=ERROR_RESPONSES)
ITEM = NOT_FOUND | STALE_CONFLICT


@contextmanager
def _errors(session: SessionDep, key: ReaderKeyDep) -> Iterator[None]:
    """ReviewError -> ApiError; a conflict carries the item's current state."""
    try:
        yield
    except service.ReviewError as e:
        current = None
        if e.item is not None:
            item = service.get_item(session=session, item_id=e.item.id)
            view = service.view(session=session, item=item, key=key, now=utcnow())
            current = view.model_dump(mode="json")
        raise ApiError(e.status, e.code, e.message, current=current) from e
    except CursorError as e:
        raise ApiError(422, "invalid_cursor", str(e)) from e


@router.get("/queue", response_model=QueuePublic)
def read_queue(
    query: Annotated[QueueQuery, Query()], session: SessionDep, key: ReaderKeyDep
) -> QueuePublic:
    """Items best first (priority x uncertainty by default), filtered, paged by cursor; items
    another reviewer has open are left out until their lease expires."""
    with _errors(session, key):
        f = service.QueueFilter(**query.model_dump(exclude={"cursor", "limit"}))
        items, nxt = service.list_queue(session=session, f=f, cursor=query.cursor,
                                        limit=query.limit, key=key, now=utcnow())  # fmt: skip
    return QueuePublic(items=items, next_cursor=nxt)


@router.get("/items/{item_id}", response_model=ItemPublic, responses=NOT_FOUND)
def read_item(
    item_id: IdPath, session: SessionDep, key: ReaderKeyDep, settings: SettingsDep
) -> ItemPublic:
    """One item; opening it leases it to you for a few minutes unless someone else has it."""
    with _errors(session, key):
        return service.open_item(session=session, item_id=item_id, key=key, now=utcnow(),
                                 lease_s=settings.review_lease_s)  # fmt: skip


@router.post("/items/{item_id}/claim", response_model=ItemPublic, responses=ITEM)
def claim_item(
    item_id: IdPath, session: SessionDep, key: ReaderKeyDep, settings: SettingsDep
) -> ItemPublic:
    """Lease the item to you (or extend your lease); 409 while another reviewer holds it."""
    with _errors(session, key):
        return service.claim(session=session, item_id=item_id, key=key, now=utcnow(),
                             lease_s=settings.review_lease_s)  # fmt: skip


@router.delete("/items/{item_id}/claim", response_model=ItemPublic, responses=NOT_FOUND)
def release_item(item_id: IdPath, session: SessionDep, key: ReaderKeyDep) -> ItemPublic:
    """Give up your lease on the item."""
    with _errors(session, key):
        item = service.release(session=session, item_id=item_id, key=key)
        return service.view(session=session, item=item, key=key, now=utcnow())


def _action(name: str, body_type: type, doc: str) -> Callable[..., ItemPublic]:
    run = service.ACTIONS[name]

    def endpoint(item_id: IdPath, body: Any, session: SessionDep, key: ReaderKeyDep) -> ItemPublic:
        with _errors(session, key):
            return run(session=session, item_id=item_id, body=body, key=key, now=utcnow())

    endpoint.__annotations__["body"] = body_type
    endpoint.__doc__ = doc
    endpoint.__name__ = f"{name}_item"
    return endpoint


for _name, _body, _doc in (
    ("accept", AcceptBody, "Accept: a candidate joins its suggested requirement, the one you "
     "give, or a new one; feedback labels are confirmed; a proposal becomes a theme (admins)."),
    ("merge", MergeBody, "Join the candidate to an existing requirement (find it with "
     "GET /v1/review/requirements?q=)."),
    ("reject", RejectBody, "Reject with a reason from the list and optional free text."),
    ("edit", EditBody, "Edit the candidate's statement and/or its requirement's title."),
    ("relabel", RelabelBody, "Relabel the kind and/or themes of the underlying feedback."),
    ("duplicate", DuplicateBody, "Mark the item as a duplicate of another item."),
    ("undo", UndoBody, "Undo the item's last action, or one decision (decision_id) of its "
     "history."),
):  # fmt: skip
    router.add_api_route(
        f"/items/{{item_id}}/{_name}", _action(_name, _body, _doc), methods=["POST"],
        response_model=ItemPublic, responses=ITEM,
    )  # fmt: skip


@router.get("/items/{item_id}/history", response_model=HistoryPublic, responses=NOT_FOUND)
def read_history(item_id: IdPath, session: SessionDep, key: ReaderKeyDep) -> HistoryPublic:
    """The item's audit trail: every decision, who made it, when, before and after."""
    with _errors(session, key):
        rows = service.item_history(session=session, item_id=item_id)
    return HistoryPublic(items=[DecisionPublic.model_validate(r) for r in rows])


@router.get("/decisions", response_model=DecisionsPublic)
def read_decisions(
    session: SessionDep, _key: ReaderKeyDep,
    field: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    subject_type: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z_]+$")] = None,
    active: Annotated[bool, Query(description="Only the decisions in force")] = False,
    after: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DecisionsPublic:  # fmt: skip
    """The decisions table (item, field, value, before, who, when, superseded by), oldest first:
    what retraining reads."""
    rows = service.list_decisions(session=session, field=field, subject_type=subject_type,
                                  active_only=active, after=after, limit=limit)  # fmt: skip
    return DecisionsPublic(
        items=[DecisionPublic.model_validate(r) for r in rows],
        next_after=rows[-1].id if len(rows) == limit else None,
        active_total=service.training_backlog(session=session),
    )


@router.get("/requirements", response_model=RequirementHits)
def search_requirements(
    q: Annotated[CleanStr, Query(min_length=1, max_length=200)], session: SessionDep,
    _key: ReaderKeyDep, limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> RequirementHits:  # fmt: skip
    """Requirements whose title holds every word typed so far (for the merge box)."""
    return RequirementHits(items=service.search_requirements(session=session, q=q, limit=limit))


@router.post("/bulk/preview", response_model=BulkPreview)
def preview_bulk(body: BulkBody, session: SessionDep, key: ReaderKeyDep) -> BulkPreview:
    """How many items a bulk action would change, and the token to confirm it with."""
    return service.bulk_preview(session=session, body=body, key=key, now=utcnow())


@router.post("/bulk", response_model=BulkResult, responses=STALE_CONFLICT)
def run_bulk(body: BulkBody, session: SessionDep, key: ReaderKeyDep) -> BulkResult:
    """Run a previewed bulk action; 409 when the matching count changed since the preview."""
    with _errors(session, key):
        return service.bulk_run(session=session, body=body, key=key, now=utcnow())


@router.post("/sync", response_model=SyncResult)
def sync(request: Request, session: SessionDep, _key: ReaderKeyDep) -> SyncResult:
    """Queue new candidates, unsure feedback and proposals now (a background task also does)."""
    report = service.sync_queue(session=session, ordering=request.app.state.review_ordering,
                                uncertainty_min=request.app.state.settings.review_uncertainty_min)  # fmt: skip
    return SyncResult(added=report.added, superseded=report.superseded, refreshed=report.refreshed)
