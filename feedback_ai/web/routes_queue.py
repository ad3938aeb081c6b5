"""The review queue page and its actions (built on the review service)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from feedback_ai.web.auth import UserDep
from feedback_ai.web.render import UI_PREFIX, page

router = APIRouter(prefix=UI_PREFIX, include_in_schema=False)


@router.get("/queue")
def queue_page(request: Request, _user: UserDep) -> Response:
    """The queue."""
    return page(request, "queue.html", {})
