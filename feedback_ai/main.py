"""The FastAPI application: lifespan (migrate, load the model once), routers, handlers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai import __version__
from feedback_ai.api_errors import install_error_handlers
from feedback_ai.auth import service as auth_service
from feedback_ai.auth.router import router as keys_router
from feedback_ai.db import make_engine, make_sessionmaker, migrate, session_scope
from feedback_ai.errors import ArtifactError
from feedback_ai.feedback.router import router as feedback_router
from feedback_ai.inference import BatchingPredictor
from feedback_ai.ml import FeedbackModel, load_model, resolve_model_dir
from feedback_ai.ops.docs import install_docs
from feedback_ai.ops.metrics import Metrics
from feedback_ai.ops.middleware import (
    ApiKeyFirstMiddleware,
    BodyLimitMiddleware,
    RequestContextMiddleware,
)
from feedback_ai.ops.router import router as ops_router
from feedback_ai.requirements import service as requirements_service
from feedback_ai.requirements.linking import Linker
from feedback_ai.requirements.router import router as requirements_router
from feedback_ai.settings import Settings, get_settings
from feedback_ai.themes.router import router as themes_router

log = logging.getLogger(__name__)

DESCRIPTION = """Turns raw customer feedback into requirements a product manager can act on.

Authenticate with an API key in `X-API-Key` (or `Authorization: Bearer <key>`).
Roles: `ingest` posts feedback and classifies, `reviewer` reads and triages, `admin` does
everything, and alone manages keys and changes the taxonomy (accepts or renames themes).
Every error has the same JSON shape (`code`, `message`, `errors[]` naming the field)."""


def load_configured_model(settings: Settings) -> tuple[FeedbackModel, Path] | tuple[None, None]:
    """The model named by the settings (or the newest one) and its directory, or Nones."""
    try:
        path = resolve_model_dir(settings.models_dir, settings.model_version)
        return load_model(path), path
    except ArtifactError as e:
        log.error("no model loaded: %s", e)
        return None, None


def bootstrap_admin(engine: Engine, settings: Settings) -> None:
    """Store the configured bootstrap admin key if it is not stored yet."""
    if settings.bootstrap_admin_key is None:
        return
    token = settings.bootstrap_admin_key.get_secret_value()
    with session_scope(make_sessionmaker(engine)) as session:
        if auth_service.authenticate(session=session, token=token) is None:
            prefix = auth_service.token_prefix(token)
            if prefix and not any(
                k.prefix == prefix for k in auth_service.list_keys(session=session)
            ):
                auth_service.create_key(
                    session=session, name="bootstrap", role="admin", token=token, actor="settings"
                )


def resume_linking(factory: sessionmaker[Session], linker: Linker) -> None:
    """Queue for linking the items acknowledged but not linked before the last stop (a crash)."""
    with session_scope(factory) as session:
        ids = requirements_service.unlinked_feedback_ids(session=session)
    if ids:
        log.info("linking %d items acknowledged before the last stop", len(ids))
        linker.submit(ids)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect, migrate, load the model once and start the inference thread."""
    settings: Settings = app.state.settings
    # Fewer request threads contend less for the GIL; requests beyond wait on the event loop.
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    engine = make_engine(
        settings.database_url,
        busy_timeout_ms=settings.db_busy_timeout_ms,
        connect_timeout_s=settings.db_connect_timeout_s,
    )
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    server_db = engine.dialect.name != "sqlite"
    app.state.linker = Linker(
        app.state.sessionmaker,
        process_url=engine.url.render_as_string(hide_password=False) if server_db else None,
    ).start()
    if settings.migrate_on_start:
        revision = await run_in_threadpool(migrate, engine)
        log.info("database at revision %s", revision)
    await run_in_threadpool(bootstrap_admin, engine, settings)
    await run_in_threadpool(resume_linking, app.state.sessionmaker, app.state.linker)
    model, path = await run_in_threadpool(load_configured_model, settings)
    app.state.model = model
    if model is not None:
        worker_path = path if settings.inference_process else None
        predictor = BatchingPredictor(
            model,
            model_path=worker_path,
            workers=settings.inference_workers,
            linger_s=settings.inference_linger_ms / 1000,
        )
        app.state.predictor = await run_in_threadpool(predictor.start)
    app.state.theme_names = {t.id: t.name for t in model.taxonomy.themes} if model else {}
    app.state.metrics.set_model(model.version if model else None)
    if model is not None:
        log.info("model %s loaded", model.version)
    gc.freeze()  # long-lived startup objects (the model) leave the garbage collector's scans
    try:
        yield
    finally:
        if app.state.predictor is not None:
            app.state.predictor.close()
        app.state.linker.close()
        engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing touches the database or the model until startup."""
    settings = settings or get_settings()
    app = FastAPI(
        title="feedback-ai",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.model = None
    app.state.predictor = None
    app.state.theme_names = {}
    app.state.key_cache = auth_service.KeyCache(ttl_s=settings.key_cache_ttl_s)
    install_error_handlers(app, retry_after_s=settings.retry_after_s)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ApiKeyFirstMiddleware)  # runs before BodyLimitMiddleware reads the body
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    app.include_router(ops_router)
    app.include_router(feedback_router)
    app.include_router(keys_router)
    app.include_router(requirements_router)
    app.include_router(themes_router)
    install_docs(app)
    return app
