"""Mount the review UI on the app: routers, static files, and how its auth errors answer."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from feedback_ai.api_errors import error_response
from feedback_ai.web.auth import AdminOnly, CsrfRejected, LoginRequired
from feedback_ai.web.queries import BadFilters
from feedback_ai.web.render import STATIC_DIR, UI_PREFIX, page
from feedback_ai.web.routes_auth import router as auth_router
from feedback_ai.web.routes_pages import router as pages_router
from feedback_ai.web.routes_queue import router as queue_router


def wants_json(request: Request) -> bool:
    """Whether the request came from the page's fetch() (which asks for JSON), not navigation."""
    return "application/json" in request.headers.get("accept", "")


def _refuse(request: Request, status: int, code: str, message: str) -> Response:
    if wants_json(request):
        return error_response(status, code, message)
    return page(request, "error.html", {"status": status, "message": message}, status_code=status)


def install_web(app: FastAPI) -> None:
    """Serve the review UI under /ui."""
    app.mount(f"{UI_PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.include_router(auth_router)
    app.include_router(pages_router)
    app.include_router(queue_router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.method != "GET" or wants_json(request):
            return error_response(401, "login_required", "Log in to the review UI again.")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{UI_PREFIX}/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, _exc: CsrfRejected) -> Response:
        message = "The form is stale or was not sent by this site; reload the page and retry."
        return _refuse(request, 403, "csrf_rejected", message)

    @app.exception_handler(BadFilters)
    async def _filters(request: Request, exc: BadFilters) -> Response:
        return _refuse(request, 422, "invalid_filter", exc.message)

    @app.exception_handler(AdminOnly)
    async def _admin(request: Request, _exc: AdminOnly) -> Response:
        message = "Only an admin can do this (taxonomy changes); ask an admin."
        return _refuse(request, 403, "forbidden", message)
