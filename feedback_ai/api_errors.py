"""One JSON error shape for every 4xx and 5xx answer, and the handlers that produce it."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from feedback_ai.db import is_unavailable
from feedback_ai.feedback.budget import RequestTooLarge, TextTooLong
from feedback_ai.fields import field_path
from feedback_ai.ops.context import request_id_var
from feedback_ai.serving.errors import ModelConflict, ModelNotFound, ModelRejected

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """What is wrong with one field of the request."""

    field: str = Field(examples=["items[3].text"])
    message: str = Field(examples=["text must not be empty or whitespace-only"])
    type: str = Field(examples=["value_error"])


class ErrorBody(BaseModel):
    """The body of every error answer."""

    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["1 field is invalid: text"])
    errors: list[FieldError] = Field(default_factory=list)
    request_id: str | None = None


class ApiError(Exception):
    """An error the API answers on purpose, with a status, a code and a clear message."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        current: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.errors = errors or []
        self.headers = headers
        # On a conflict: the object's state now, so a client shows what changed.
        self.current = current


def validation_errors(raw: list[dict[str, Any]]) -> list[FieldError]:
    """Pydantic errors as FieldErrors with readable paths."""
    out = []
    for err in raw:
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        out.append(
            FieldError(
                field=field_path(err.get("loc", ())),
                message=message,
                type=str(err.get("type", "value_error")),
            )
        )
    return out


def error_response(
    status_code: int,
    code: str,
    message: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    current: dict[str, Any] | None = None,
) -> JSONResponse:
    """A JSONResponse in the ErrorBody shape, stamped with the request id."""
    body = ErrorBody(
        code=code, message=message, errors=errors or [], request_id=request_id_var.get()
    )
    content = body.model_dump()
    if current is not None:
        content["current"] = current
    return JSONResponse(content, status_code=status_code, headers=headers)


def unavailable_response(retry_after_s: int) -> JSONResponse:
    """503 for a database that cannot be reached or stays locked."""
    return error_response(
        503,
        "database_unavailable",
        "The database is unreachable or busy; nothing was stored. Retry after the delay given.",
        headers={"Retry-After": str(retry_after_s)},
    )


def _documented_methods(app: FastAPI) -> dict[str, set[str]]:
    """OpenAPI path (template) -> its methods; built once per app."""
    index = getattr(app.state, "documented_methods", None)
    if index is None:
        paths = app.openapi()["paths"]
        index = {path: {m.upper() for m in operations} for path, operations in paths.items()}
        app.state.documented_methods = index
    return index


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


def allowed_methods(request: Request) -> str:
    """Every documented method of the request's path, for `Allow` on a 405.

    Starlette names only the methods of the first route whose path matched, while a path often
    has one route per method (GET and POST /v1/feedback). A literal path (/v1/feedback/batch)
    wins over a template ({feedback_id}), as in routing.
    """
    path = request.scope["path"]
    index = _documented_methods(request.app)
    methods = index.get(path)
    if methods is None:
        methods = set()
        for template, documented in index.items():
            if "{" in template and _template(template).match(path):
                methods |= documented
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI, *, retry_after_s: int) -> None:
    """Register handlers so that no error leaves in another shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status_code, exc.code, exc.message, errors=exc.errors, headers=exc.headers,
            current=exc.current,
        )  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        names = ", ".join(dict.fromkeys(e.field for e in errors))
        message = f"{len(errors)} invalid field{'s' if len(errors) != 1 else ''}: {names}"
        return error_response(422, "validation_error", message, errors=errors)

    @app.exception_handler(TextTooLong)
    async def _text_too_long(_request: Request, exc: TextTooLong) -> JSONResponse:
        error = FieldError(field=exc.field, message=str(exc), type="string_too_long")
        return error_response(
            422, "validation_error", f"1 invalid field: {exc.field}", errors=[error]
        )

    @app.exception_handler(RequestTooLarge)
    async def _request_too_large(_request: Request, exc: RequestTooLarge) -> JSONResponse:
        error = FieldError(field="items", message=str(exc), type="too_large")
        return error_response(413, "request_too_large", str(exc), errors=[error])

    @app.exception_handler(ModelNotFound)
    async def _model_not_found(_request: Request, exc: ModelNotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(ModelRejected)
    async def _model_rejected(_request: Request, exc: ModelRejected) -> JSONResponse:
        return error_response(409, "model_rejected", str(exc))

    @app.exception_handler(ModelConflict)
    async def _model_conflict(_request: Request, exc: ModelConflict) -> JSONResponse:
        return error_response(409, "model_conflict", str(exc))

    install_job_handlers(app)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(SQLAlchemyError)
    async def _database(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        if is_unavailable(exc):
            log.warning(
                "database unavailable: %s: %s", type(exc).__name__, getattr(exc, "orig", exc)
            )
            return unavailable_response(retry_after_s)
        log.exception("database error")
        return error_response(500, "internal_error", "An unexpected database error occurred.")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "An unexpected error occurred.")


def install_job_handlers(app: FastAPI) -> None:
    """Import and job errors: unknown job 404, ended job 409, refused path or options 422,
    upload too large 413, a retrain already queued or running 409."""
    from feedback_ai.imports import ImportFormatError
    from feedback_ai.jobs.options import PathNotAllowed
    from feedback_ai.jobs.service import JobFinished, JobNotFound
    from feedback_ai.jobs.uploads import BadUpload, UploadTooLarge
    from feedback_ai.serving.retrain_job import RetrainRunning

    def field(status: int, code: str, name: str, kind: str) -> Any:
        async def handler(_request: Request, exc: Exception) -> JSONResponse:
            error = FieldError(field=name, message=str(exc), type=kind)
            return error_response(status, code, str(exc), errors=[error] if name else [])

        return handler

    app.add_exception_handler(JobNotFound, field(404, "not_found", "", ""))
    app.add_exception_handler(JobFinished, field(409, "conflict", "", ""))
    app.add_exception_handler(PathNotAllowed, field(422, "path_not_allowed", "path", "path"))
    app.add_exception_handler(ImportFormatError, field(422, "validation_error", "options", "import_format"))  # fmt: skip
    app.add_exception_handler(BadUpload, field(422, "validation_error", "file", "upload"))
    app.add_exception_handler(UploadTooLarge, field(413, "upload_too_large", "file", "too_large"))

    @app.exception_handler(RetrainRunning)
    async def _retrain_running(_request: Request, exc: RetrainRunning) -> JSONResponse:
        return error_response(409, "retrain_running", str(exc), current={"job_id": exc.job_id})


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Body not UTF-8, or a bad Content-Length"},
    401: {"model": ErrorBody, "description": "Missing, unknown or revoked API key"},
    403: {"model": ErrorBody, "description": "The key's role may not do this"},
    413: {"model": ErrorBody, "description": "Body larger than the limit"},
    422: {"model": ErrorBody, "description": "A field is missing or invalid; `errors` names it"},
    503: {"model": ErrorBody, "description": "Database or model unavailable; see Retry-After"},
}

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No object with that id"}
}


class ConflictBody(ErrorBody):
    """A 409: the write was refused; `current` is the object's state now."""

    current: dict[str, Any] | None = None


STATE_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The object's current state does not allow this"}
}
STALE_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ConflictBody,
        "description": "Stale version, leased to another reviewer, or a state that forbids this",
    }
}
