"""Liveness, readiness (no API key needed) and Prometheus metrics (see metrics_access)."""

from __future__ import annotations

import hmac
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from feedback_ai import __version__
from feedback_ai.api_errors import ApiError
from feedback_ai.db import ping
from feedback_ai.deps import check_request_key, token_from_headers

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    """Whether the service can take traffic: database reachable and model loaded."""

    status: Literal["ready", "not_ready"]
    database: bool
    model_loaded: bool
    model_version: str | None


@router.get("/healthz", response_model=Health)
def read_health() -> Health:
    """Liveness: answers as long as the process runs."""
    return Health(status="ok", version=__version__)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready; see Retry-After"}},
)
async def read_readiness(request: Request) -> JSONResponse:
    """Readiness: 200 when the database answers and a model is loaded, else 503."""
    state = request.app.state
    database = await run_in_threadpool(ping, state.engine)
    model = state.model
    body = Readiness(
        status="ready" if database and model is not None else "not_ready",
        database=database,
        model_loaded=model is not None,
        model_version=model.version if model is not None else None,
    )
    if body.status == "ready":
        return JSONResponse(body.model_dump())
    headers = {"Retry-After": str(state.settings.retry_after_s)}
    return JSONResponse(body.model_dump(), status_code=503, headers=headers)


def _metrics_allowed(request: Request) -> bool:
    """Whether this request may read /metrics (FEEDBACK_AI_METRICS_ACCESS=key): the metrics token
    or an admin key; raises 401 for a missing or unknown key."""
    settings = request.app.state.settings
    token = token_from_headers(request.headers)
    expected = settings.metrics_token
    if (
        token
        and expected
        and hmac.compare_digest(token.encode(), expected.get_secret_value().encode())
    ):
        return True
    return check_request_key(request.app.state.sessionmaker, request.headers).role == "admin"


@router.get("/metrics", include_in_schema=False)
async def read_metrics(request: Request) -> Response:
    """Prometheus text format; off, public or behind a key as FEEDBACK_AI_METRICS_ACCESS says."""
    access = request.app.state.settings.metrics_access
    if access == "off":
        raise ApiError(404, "not_found", "Not Found")
    if access == "key" and not await run_in_threadpool(_metrics_allowed, request):
        raise ApiError(403, "forbidden", "/metrics needs an admin key or the metrics token.")
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
