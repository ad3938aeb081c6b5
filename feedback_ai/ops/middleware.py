"""ASGI middleware: request ids, timing, metrics, access logs, security headers, the API key
before the body, and body limits."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback_ai.api_errors import ApiError, FieldError, error_response, unavailable_response
from feedback_ai.db import is_unavailable
from feedback_ai.deps import cached_key, check_request_key
from feedback_ai.ops.context import request_id_var
from feedback_ai.ops.metrics import Metrics

log = logging.getLogger("feedback_ai.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BODY_METHODS = ("POST", "PUT", "PATCH")
# On every answer: no MIME sniffing, no framing (clickjacking), no URL leaked in Referer.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
# JSON answers load nothing; the docs pages set their own policy (feedback_ai/ops/docs.py).
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


class RequestContextMiddleware:
    """Give each request an id (X-Request-ID) and the security headers; time, count and log it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        api = scope["path"].startswith("/v1/")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                for name, value in SECURITY_HEADERS:
                    headers.append(name, value)
                if "content-security-policy" not in headers:
                    headers.append("Content-Security-Policy", DEFAULT_CSP)
                if api and "cache-control" not in headers:
                    headers.append("Cache-Control", "no-store")  # customer data: no caches
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(scope["method"], route, str(status)).observe(elapsed)
            if log.isEnabledFor(logging.INFO):  # the record's fields cost more than the check
                log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)


class ApiKeyFirstMiddleware:
    """Check the API key of a /v1 request with a body before anything reads the body.

    An unauthenticated client gets its 401 without the server buffering megabytes for it. The
    key found is kept in the request state, so the route's key dependency does not look it up
    again.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate, then pass the untouched request on; or answer 401 or 503."""
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        headers = Headers(scope=scope)
        cache = getattr(state, "key_cache", None)
        try:
            # A key seen within the last second needs neither the database nor a thread.
            key = cached_key(cache, headers) or await run_in_threadpool(
                check_request_key, state.sessionmaker, headers, cache
            )
        except ApiError as e:
            response = error_response(e.status_code, e.code, e.message, headers=e.headers)
            await response(scope, receive, send)
            return
        except SQLAlchemyError as e:
            if not is_unavailable(e):
                raise
            log.warning("database unavailable while checking a key: %r", getattr(e, "orig", e))
            await unavailable_response(state.settings.retry_after_s)(scope, receive, send)
            return
        scope.setdefault("state", {})["api_key"] = key
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse bodies over the limit (413) and JSON bodies that are not UTF-8 (400)."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, streamed_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Uploads: the route streams the body to disk under its own, larger limit.
        self.streamed_paths = streamed_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole body first, check it, then replay it to the app."""
        if (
            scope["type"] != "http"
            or scope["method"] not in ("POST", "PUT", "PATCH")
            or scope["path"] in self.streamed_paths
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, receive, send, declared)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, receive, send, f"more than {self.max_body_bytes}")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if "json" in headers.get("content-type", "json"):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as e:
                response = error_response(
                    400,
                    "invalid_utf8",
                    "The body is not valid UTF-8.",
                    errors=[
                        FieldError(
                            field="body",
                            type="invalid_utf8",
                            message=f"invalid byte at offset {e.start}",
                        )
                    ],
                )
                await response(scope, receive, send)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, size: str) -> None:
        if not size.replace("more than ", "").isdigit():
            response = error_response(
                400,
                "invalid_content_length",
                "The Content-Length header is not a number.",
                errors=[FieldError(field="Content-Length", type="invalid", message=size[:40])],
            )
        else:
            response = error_response(
                413,
                "body_too_large",
                f"The body has {size} bytes; the limit is {self.max_body_bytes}. "
                "Split it into several requests.",
                errors=[
                    FieldError(
                        field="body", type="too_large", message=f"over {self.max_body_bytes} bytes"
                    )
                ],
            )
        await response(scope, receive, send)
