"""Who is asking, for pages: the session cookie, the CSRF check, and the admin-only gate."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from feedback_ai.deps import SessionDep
from feedback_ai.web import sessions
from feedback_ai.web.sessions import SessionUser

COOKIE = "fai_session"
LOGIN_COOKIE = "fai_login_csrf"  # double-submit token for the login form (no session yet)
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No live session: pages redirect to the login form, fetches get 401."""


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token."""


class AdminOnly(Exception):
    """A reviewer asked for an admin action."""


def set_session_cookie(response: Response, request: Request, token: str, *, name: str = COOKIE):
    """The cookie a script cannot read, sent only to this site, only over HTTPS when served so."""
    response.set_cookie(
        name, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
        path="/ui",
    )  # fmt: skip


def clear_session_cookie(response: Response, request: Request, *, name: str = COOKIE) -> None:
    """Remove a cookie set by set_session_cookie."""
    response.delete_cookie(
        name, path="/ui", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


async def current_user(request: Request, session: SessionDep) -> SessionUser:
    """The user of the request's session cookie, or LoginRequired."""
    token = request.cookies.get(COOKIE, "")
    idle = request.app.state.settings.session_idle_minutes
    user = None
    if token:
        find = partial(sessions.find_session, session=session, token=token, idle_minutes=idle)
        user = await run_in_threadpool(find)
    if user is None:
        raise LoginRequired()
    request.state.ui_user = user
    return user


UserDep = Annotated[SessionUser, Depends(current_user)]


async def sent_csrf(request: Request) -> str | None:
    """The CSRF token of a request: the X-CSRF-Token header (fetch) or the form field."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent


async def checked_user(request: Request, user: UserDep) -> SessionUser:
    """The session user of a state-changing request that carries the session's CSRF token."""
    token = request.cookies.get(COOKIE, "")
    if not sessions.csrf_matches(session_token=token, sent=await sent_csrf(request)):
        raise CsrfRejected()
    return user


async def checked_admin(user: Annotated[SessionUser, Depends(checked_user)]) -> SessionUser:
    """checked_user, and an admin."""
    if not user.is_admin:
        raise AdminOnly()
    return user


WriterDep = Annotated[SessionUser, Depends(checked_user)]
AdminWriterDep = Annotated[SessionUser, Depends(checked_admin)]
