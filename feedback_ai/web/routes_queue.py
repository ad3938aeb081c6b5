"""The review queue page and its actions, on the review service (no HTTP round trip to the API).

Actions answer JSON for the page's script: the item and its re-rendered panel, or on 409 the
current state and its panel, so the page shows what changed instead of overwriting it.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from feedback_ai.api_errors import error_response
from feedback_ai.db import utcnow
from feedback_ai.deps import IdPath, SessionDep
from feedback_ai.review import schemas as rs
from feedback_ai.review import service
from feedback_ai.review.queue import CursorError
from feedback_ai.web import queue_view
from feedback_ai.web.auth import UserDep, WriterDep
from feedback_ai.web.queries import form_query
from feedback_ai.web.render import UI_PREFIX, page, templates
from feedback_ai.web.sessions import SessionUser, key_for

router = APIRouter(prefix=f"{UI_PREFIX}/queue", include_in_schema=False)
PAGE_SIZE = 50
BODIES: dict[str, type[BaseModel]] = {
    "accept": rs.AcceptBody, "merge": rs.MergeBody, "reject": rs.RejectBody, "edit": rs.EditBody,
    "relabel": rs.RelabelBody, "duplicate": rs.DuplicateBody, "undo": rs.UndoBody,
}  # fmt: skip


def _context(request: Request, session: Session, user: SessionUser) -> dict[str, Any]:
    return {"user": user, "prefix": UI_PREFIX, "names": request.app.state.theme_names,
            "choices": queue_view.theme_choices(session=session,
                                                names=request.app.state.theme_names),
            "kinds": queue_view.KINDS, "reasons": get_args(rs.RejectReason)}  # fmt: skip


def _panel(request: Request, session: Session, user: SessionUser, item: rs.ItemPublic) -> str:
    ctx = _context(request, session, user)
    extras = queue_view.panel_extras(session=session, items=[item], choices=ctx["choices"])
    ctx |= {"item": item, "x": extras[item.id]}
    return templates.get_template("_item.html").render(ctx)


@router.get("")
def queue_page(
    request: Request, query: Annotated[rs.QueueQuery, Depends(form_query(rs.QueueQuery))],
    session: SessionDep, user: UserDep,
) -> Response:  # fmt: skip
    """The queue, best first, with the filters; the page's script drives it from the keyboard."""
    key = key_for(session=session, user=user)
    f = service.QueueFilter(**query.model_dump(exclude={"cursor", "limit"}))
    try:
        items, nxt = service.list_queue(session=session, f=f, cursor=query.cursor,
                                        limit=PAGE_SIZE, key=key, now=utcnow())  # fmt: skip
    except CursorError as e:
        return page(request, "error.html", {"status": 422, "message": str(e)}, status_code=422)
    ctx = _context(request, session, user)
    extras = queue_view.panel_extras(session=session, items=items, choices=ctx["choices"])
    dumped = query.model_dump(mode="json", exclude={"cursor", "limit", "status"})
    filters = {k: v for k, v in dumped.items() if v}
    return page(request, "queue.html", ctx | {
        "items": items, "extras": extras, "next_cursor": nxt, "f": f, "filters": filters,
        "sources": ("support_ticket", "sales_note", "app_review", "survey", "other"),
    })  # fmt: skip


@router.get("/search")
def search(
    q: Annotated[str, Query(min_length=1, max_length=200)], session: SessionDep, _user: UserDep
) -> rs.RequirementHits:
    """Requirements for the merge box, as the PM types."""
    return rs.RequirementHits(items=service.search_requirements(session=session, q=q, limit=10))


def _conflict(request: Request, session: Session, user: SessionUser,
              e: service.ReviewError) -> Response:  # fmt: skip
    body: dict[str, Any] = {"code": e.code, "message": e.message}
    if e.item is not None:
        key = key_for(session=session, user=user)
        item = service.get_item(session=session, item_id=e.item.id)
        current = service.view(session=session, item=item, key=key, now=utcnow())
        body |= {"current": current.model_dump(mode="json"),
                 "panel": _panel(request, session, user, current)}  # fmt: skip
    return JSONResponse(body, status_code=e.status)


@router.get("/items/{item_id}/history")
def item_history(item_id: IdPath, session: SessionDep, _user: UserDep) -> Response:
    """The item's decisions, oldest first (the page offers to undo any one of them)."""
    try:
        rows = service.item_history(session=session, item_id=item_id)
    except service.ReviewError as e:
        return error_response(e.status, e.code, e.message)
    items = [rs.DecisionPublic.model_validate(r).model_dump(mode="json") for r in rows]
    return JSONResponse({"items": items})


@router.post("/items/{item_id}/open")
def open_item(request: Request, item_id: IdPath, session: SessionDep, user: WriterDep) -> Response:
    """Lease the item to this reviewer while it is on screen (unless someone else has it)."""
    key = key_for(session=session, user=user)
    try:
        item = service.open_item(session=session, item_id=item_id, key=key, now=utcnow(),
                                 lease_s=request.app.state.settings.review_lease_s)  # fmt: skip
    except service.ReviewError as e:
        return _conflict(request, session, user, e)
    return JSONResponse({"item": item.model_dump(mode="json")})


class ReleaseBody(BaseModel):
    """The item a closing tab had open."""

    model_config = rs.STRICT
    item_id: rs.Id


@router.post("/release", status_code=204)
def release(body: ReleaseBody, session: SessionDep, user: WriterDep) -> Response:
    """Give up this reviewer's lease on the item a closing tab had open (a keepalive fetch), so
    the next reviewer gets it now rather than when the lease expires."""
    key = key_for(session=session, user=user)
    try:
        service.release(session=session, item_id=body.item_id, key=key)
    except service.ReviewError as e:
        return error_response(e.status, e.code, e.message)
    return Response(status_code=204)


@router.post("/items/{item_id}/{action}")
def act(
    request: Request, item_id: IdPath, action: str, session: SessionDep, user: WriterDep,
    payload: Annotated[dict[str, Any], Body()],
) -> Response:  # fmt: skip
    """accept, merge, reject, edit, relabel, duplicate or undo one item at the version shown."""
    if action not in BODIES:
        return error_response(404, "not_found", f"no action {action!r}")
    try:
        body = BODIES[action].model_validate(payload)
    except ValidationError as e:
        first = e.errors()[0]
        return error_response(422, "invalid", f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
    key = key_for(session=session, user=user)
    try:
        item = service.ACTIONS[action](session=session, item_id=item_id, body=body, key=key,
                                       now=utcnow())  # fmt: skip
    except service.ReviewError as e:
        return _conflict(request, session, user, e)
    return JSONResponse({"item": item.model_dump(mode="json"),
                         "panel": _panel(request, session, user, item)})  # fmt: skip


@router.post("/bulk/preview")
def bulk_preview(body: rs.BulkBody, session: SessionDep, user: WriterDep) -> rs.BulkPreview:
    """How many items the bulk action would change (shown before the PM confirms)."""
    key = key_for(session=session, user=user)
    return service.bulk_preview(session=session, body=body, key=key, now=utcnow())


@router.post("/bulk")
def bulk_run(body: rs.BulkBody, session: SessionDep, user: WriterDep) -> Response:
    """Run a confirmed bulk action."""
    key = key_for(session=session, user=user)
    try:
        result = service.bulk_run(session=session, body=body, key=key, now=utcnow())
    except service.ReviewError as e:
        return error_response(e.status, e.code, e.message)
    return JSONResponse(result.model_dump(mode="json"))
