"""FastAPI dependencies as Annotated aliases: settings, session, model, API key and roles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, cast

from anyio import CapacityLimiter
from fastapi import Depends, Path, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers

from feedback_ai.api_errors import ApiError
from feedback_ai.auth import service as auth_service
from feedback_ai.auth.models import ApiKey
from feedback_ai.db import autocommit_reads, session_scope
from feedback_ai.fields import ID_PATTERN
from feedback_ai.inference import BatchingPredictor
from feedback_ai.jobs.runner import JobRunner
from feedback_ai.ml import FeedbackModel
from feedback_ai.ops.metrics import Metrics
from feedback_ai.requirements.linking import Linker
from feedback_ai.settings import Settings

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key made by `feedback-ai keys create`"
)
bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token")
IdPath = Annotated[str, Path(pattern=ID_PATTERN, examples=["0193a0f4-7c1e-7abc-8def-0123456789ab"])]


# The trivial dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread
# pool, and those hops (eight per ingest request) cost more CPU than the request's own work.


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; rolled back and closed afterwards.

    Creating a session touches no database. Closing one only does when a transaction is still
    open (the handler failed midway): then the rollback runs in a worker thread.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


def _model_missing(request: Request) -> ApiError:
    return ApiError(
        503,
        "model_unavailable",
        "No model is loaded; train one with `feedback-ai train` and restart.",
        headers={"Retry-After": str(request.app.state.settings.retry_after_s)},
    )


async def get_model(request: Request) -> FeedbackModel:
    """The model loaded at startup, or 503."""
    model = request.app.state.model
    if model is None:
        raise _model_missing(request)
    return model


async def get_predictor(request: Request) -> BatchingPredictor:
    """The batching predictor around the loaded model, or 503."""
    predictor = request.app.state.predictor
    if predictor is None:
        raise _model_missing(request)
    return predictor


async def get_theme_names(request: Request) -> dict[str, str]:
    """Theme id -> display name, from the loaded model's taxonomy."""
    return request.app.state.theme_names


async def get_linker(request: Request) -> Linker:
    """The app's requirement linker: ingest hands it the ids it commits."""
    return request.app.state.linker


async def get_job_runner(request: Request) -> JobRunner | None:
    """The app's import job runner (None until a model is loaded)."""
    return getattr(request.app.state, "job_runner", None)


async def get_metrics(request: Request) -> Metrics:
    """The app's Prometheus metrics."""
    return request.app.state.metrics


@dataclass(frozen=True, slots=True)
class IngestServices:
    """What the ingest routes use besides the session and the key."""

    predictor: BatchingPredictor
    theme_names: dict[str, str]
    settings: Settings
    metrics: Metrics
    linker: Linker
    ingest_threads: CapacityLimiter  # the threads single POSTs write (and wait for the model) in


async def get_ingest_services(request: Request) -> IngestServices:
    """The predictor (or 503), theme names, settings, metrics and linker, in one dependency.

    One instead of five: FastAPI's bookkeeping per dependency was a tenth of a single POST's
    CPU in the server process.
    """
    state = request.app.state
    if state.predictor is None:
        raise _model_missing(request)
    return IngestServices(
        predictor=state.predictor, theme_names=state.theme_names, settings=state.settings,
        metrics=state.metrics, linker=state.linker, ingest_threads=state.ingest_threads,
    )  # fmt: skip


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ModelDep = Annotated[FeedbackModel, Depends(get_model)]
PredictorDep = Annotated[BatchingPredictor, Depends(get_predictor)]
ThemeNamesDep = Annotated[dict[str, str], Depends(get_theme_names)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
LinkerDep = Annotated[Linker, Depends(get_linker)]
JobRunnerDep = Annotated[JobRunner | None, Depends(get_job_runner)]
IngestServicesDep = Annotated[IngestServices, Depends(get_ingest_services)]


def token_from_headers(headers: Headers) -> str | None:
    """The key sent in X-API-Key or as Authorization: Bearer, or None."""
    token = headers.get("x-api-key")
    if not token:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        token = credentials if scheme.lower() == "bearer" else None
    return token.strip() or None if token else None


CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _missing_key() -> ApiError:
    return ApiError(
        401,
        "missing_api_key",
        "Send an API key in the X-API-Key header or as Authorization: Bearer "
        "<key>. An admin creates keys with `feedback-ai keys create`.",
        headers=CHALLENGE,
    )


def check_key(
    *, session: Session, token: str | None, cache: auth_service.KeyCache | None = None
) -> ApiKey:
    """The active key for `token`, or ApiError 401; ends the read transaction."""
    if not token:
        raise _missing_key()
    autocommit_reads(session)
    key = auth_service.authenticate(session=session, token=token)
    session.commit()  # give the connection back to the pool until the handler needs it
    if key is None:
        raise ApiError(
            401,
            "invalid_api_key",
            "The API key is unknown, malformed or revoked; ask an admin for a new one.",
            headers=CHALLENGE,
        )
    if cache is not None:
        cache.put(token, key)
    return key


def cached_key(cache: auth_service.KeyCache | None, headers: Headers) -> ApiKey | None:
    """The key of these headers if it authenticated within the cache's TTL, else None."""
    token = token_from_headers(headers) if cache is not None else None
    return cache.get(token) if token else None  # type: ignore[union-attr]


def check_request_key(
    factory: sessionmaker[Session],
    headers: Headers,
    cache: auth_service.KeyCache | None = None,
) -> ApiKey:
    """check_key() for the headers of a request, in a session of its own."""
    token = token_from_headers(headers)
    if not token:
        raise _missing_key()
    with session_scope(factory) as session:
        return check_key(session=session, token=token, cache=cache)


async def get_api_key(
    request: Request,
    session: SessionDep,
    # Declared for the OpenAPI security schemes; the headers are read by token_from_headers.
    _x_api_key: Annotated[str | None, Security(api_key_header)] = None,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> ApiKey:
    """The active API key sent in X-API-Key or Authorization: Bearer, or 401.

    Requests with a body had their key checked before the body was read (ApiKeyFirstMiddleware).
    """
    key = getattr(request.state, "api_key", None)
    if key is None:
        cache = getattr(request.app.state, "key_cache", None)
        key = cached_key(cache, request.headers)
        if key is None:
            token = token_from_headers(request.headers)
            key = await run_in_threadpool(
                partial(check_key, session=session, token=token, cache=cache)
            )
        request.state.api_key = key
    return cast(ApiKey, key)


ApiKeyDep = Annotated[ApiKey, Depends(get_api_key)]


def require_roles(*roles: str) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency that lets through only keys with one of `roles`."""

    async def check(key: ApiKeyDep) -> ApiKey:
        if key.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"This key has the role {key.role!r}; this endpoint needs "
                f"{' or '.join(repr(r) for r in roles)}.",
            )
        return key

    return check


IngestKeyDep = Annotated[ApiKey, Depends(require_roles("ingest", "admin"))]
ReaderKeyDep = Annotated[ApiKey, Depends(require_roles("reviewer", "admin"))]
AdminKeyDep = Annotated[ApiKey, Depends(require_roles("admin"))]
