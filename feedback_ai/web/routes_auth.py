"""Log in with an API key, log out."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from feedback_ai.deps import SessionDep
from feedback_ai.web import sessions
from feedback_ai.web.auth import (
    COOKIE,
    LOGIN_COOKIE,
    WriterDep,
    clear_session_cookie,
    set_session_cookie,
)
from feedback_ai.web.render import UI_PREFIX, page

router = APIRouter(prefix=UI_PREFIX, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of the UI only (no open redirect to another site)."""
    if target and target.startswith(f"{UI_PREFIX}/") and "\\" not in target and "//" not in target:
        return target
    return f"{UI_PREFIX}/queue"


def _login_form(request: Request, *, error: str | None, status: int, next_: str) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request, "login.html", {"csrf": token, "error": error, "next": next_}, status_code=status
    )
    set_session_cookie(response, request, token, name=LOGIN_COOKIE)
    return response


@router.get("")
async def ui_root() -> RedirectResponse:
    """The UI starts at the queue."""
    return RedirectResponse(f"{UI_PREFIX}/queue", status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _login_form(request, error=None, status=200, next_=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Start a session for a reviewer or admin key; an ingest key is refused."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        message = "The login form expired; try again."
        return _login_form(request, error=message, status=403, next_=safe_next(next))
    start = partial(
        sessions.start_session, session=session, api_token=api_key,
        idle_minutes=request.app.state.settings.session_idle_minutes,
        user_agent=request.headers.get("user-agent", ""),
    )  # fmt: skip
    try:
        token, _user = await run_in_threadpool(start)
    except sessions.LoginRefused as e:
        return _login_form(request, error=str(e), status=401, next_=safe_next(next))
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, token)
    clear_session_cookie(response, request, name=LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep, _user: WriterDep) -> Response:
    """End the session; the cookie is removed and the session row deleted."""
    token = request.cookies.get(COOKIE, "")
    await run_in_threadpool(partial(sessions.end_session, session=session, token=token))
    response = RedirectResponse(f"{UI_PREFIX}/login", status_code=303)
    clear_session_cookie(response, request)
    return response
