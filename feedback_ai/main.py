"""The FastAPI application: lifespan (migrate, load the model once), routers, handlers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai import __version__
from feedback_ai.api_errors import install_error_handlers
from feedback_ai.auth import service as auth_service
from feedback_ai.auth.router import router as keys_router
from feedback_ai.batch.engine import InlineEngine, ScoringEngine
from feedback_ai.batch.factory import make_engine as make_scoring_engine
from feedback_ai.db import make_engine, make_sessionmaker, migrate, session_scope
from feedback_ai.feedback.router import router as feedback_router
from feedback_ai.jobs.router import router as jobs_router
from feedback_ai.jobs.runner import JobRunner
from feedback_ai.ops.docs import install_docs
from feedback_ai.ops.metrics import Metrics
from feedback_ai.ops.middleware import (
    ApiKeyFirstMiddleware,
    BodyLimitMiddleware,
    RequestContextMiddleware,
)
from feedback_ai.ops.router import router as ops_router
from feedback_ai.requirements import service as requirements_service
from feedback_ai.requirements.export_router import router as exports_router
from feedback_ai.requirements.linking import Linker, process_url_for
from feedback_ai.requirements.router import router as requirements_router
from feedback_ai.requirements.webhook import WebhookSender
from feedback_ai.review.ordering import ordering_named
from feedback_ai.review.router import router as review_router
from feedback_ai.review.sync import QueueSync
from feedback_ai.serving.retrain_runner import RetrainRunner
from feedback_ai.serving.router import router as models_router
from feedback_ai.serving.selection import pinned_record, serving_candidates
from feedback_ai.serving.swap import ModelSwapper
from feedback_ai.serving.watch import ChampionWatcher
from feedback_ai.settings import Settings, get_settings
from feedback_ai.themes.router import router as themes_router
from feedback_ai.web.install import install_web

log = logging.getLogger(__name__)

DESCRIPTION = """Turns raw customer feedback into requirements a product manager can act on.

Authenticate with an API key in `X-API-Key` (or `Authorization: Bearer <key>`).
Roles: `ingest` posts feedback and classifies, `reviewer` reads and triages, `admin` does
everything, and alone manages keys and changes the taxonomy (accepts or renames themes).
Every error has the same JSON shape (`code`, `message`, `errors[]` naming the field)."""


def serve_registered_model(
    factory: sessionmaker[Session], settings: Settings, swapper: ModelSwapper
) -> bool:
    """Serve the pinned model or the champion, else the best registered fallback.

    Only models in the registry are candidates: a folder that merely sits in models_dir is never
    unpickled. Returns whether the pin (FEEDBACK_AI_MODEL_VERSION) is in force.
    """
    pinned = settings.model_version
    with session_scope(factory) as session:
        if pinned and pinned_record(session=session, pinned=pinned) is None:
            log.error(
                "FEEDBACK_AI_MODEL_VERSION=%s is not a registered model; serving the champion. "
                "Register it with `feedback-ai models register PATH`.",
                pinned,
            )
            pinned = None
        refs = serving_candidates(session=session, pinned=pinned)
    served = swapper.serve_first(refs)
    if served is None:
        log.error(
            "no registered model could be loaded%s; run `feedback-ai serve` (trains one on first "
            "run) or `feedback-ai models register PATH` and `feedback-ai models promote VERSION`",
            f" ({swapper.last_error})" if swapper.last_error else "",
        )
    elif served != refs[0]:
        log.error(
            "model %s could not be loaded; serving %s instead", refs[0].version, served.version
        )
    return pinned is not None


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


def start_job_runner(app: FastAPI, settings: Settings) -> JobRunner:
    """The import job runner; it resumes the jobs a stopped server left unfinished.

    Each job scores with the champion served when it starts (a promotion reaches the next job),
    on the Dask cluster when FEEDBACK_AI_DASK_SCHEDULER names one, else in the runner's thread.
    """

    def engine() -> ScoringEngine:
        model = app.state.model
        if model is None:
            raise RuntimeError("no model is served yet; the job waits for one")
        if settings.dask_scheduler:
            return make_scoring_engine(
                model=model, model_path="", dask_scheduler=settings.dask_scheduler
            )
        return InlineEngine(model)

    runner = JobRunner(
        app.state.sessionmaker,
        engine_factory=engine,
        link=app.state.linker,
        poll_s=settings.job_poll_s,
        ttl_s=settings.job_lease_s,
        batch_size=settings.import_batch_size,
        store_raw_text=settings.store_raw_text,
        max_text_chars=settings.max_text_chars,
    )
    return runner.start() if settings.run_jobs else runner


def start_retrain_runner(app: FastAPI, settings: Settings) -> RetrainRunner:
    """The retrain job runner; a promotion wakes this server's champion watcher (no restart)."""

    def promoted() -> None:
        if app.state.watcher is not None:
            app.state.watcher.wake()

    runner = RetrainRunner(
        app.state.sessionmaker, models_dir=settings.models_dir, on_promoted=promoted,
        poll_s=settings.job_poll_s, ttl_s=settings.job_lease_s,
    )  # fmt: skip
    return runner.start() if settings.run_jobs else runner


def start_webhooks(factory: sessionmaker[Session], settings: Settings) -> WebhookSender | None:
    """The webhook sender for accepted requirements, when a webhook URL is configured."""
    if not settings.webhook_url:
        return None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    return WebhookSender(
        factory, url=settings.webhook_url, secret=secret, attempts=settings.webhook_attempts,
        backoff_s=settings.webhook_backoff_s, timeout_s=settings.webhook_timeout_s,
    ).start()  # fmt: skip


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Connect, migrate, load the model once and start the inference thread."""
    settings: Settings = app.state.settings
    # Fewer request threads contend less for the GIL; requests beyond wait on the event loop.
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    # Single POSTs wait for the model in their thread: they get as many threads of their own.
    app.state.ingest_threads = anyio.CapacityLimiter(settings.worker_threads)
    engine = make_engine(
        settings.database_url,
        busy_timeout_ms=settings.db_busy_timeout_ms,
        connect_timeout_s=settings.db_connect_timeout_s,
    )
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.linker = Linker(
        app.state.sessionmaker,
        process_url=process_url_for(engine),
        busy_timeout_ms=settings.db_busy_timeout_ms,
    ).start()
    app.state.webhooks = start_webhooks(app.state.sessionmaker, settings)
    if settings.migrate_on_start:
        revision = await run_in_threadpool(migrate, engine)
        log.info("database at revision %s", revision)
    await run_in_threadpool(bootstrap_admin, engine, settings)
    await run_in_threadpool(resume_linking, app.state.sessionmaker, app.state.linker)
    app.state.review_sync = QueueSync(
        app.state.sessionmaker, interval_s=settings.review_sync_interval_s,
        ordering=app.state.review_ordering, uncertainty_min=settings.review_uncertainty_min,
    ).start()  # fmt: skip
    swapper = ModelSwapper(state=app.state, settings=settings)
    app.state.swapper = swapper
    pinned = await run_in_threadpool(
        serve_registered_model, app.state.sessionmaker, settings, swapper
    )
    if not pinned and settings.model_watch_s > 0:
        app.state.watcher = ChampionWatcher(
            factory=app.state.sessionmaker, swapper=swapper, interval_s=settings.model_watch_s
        ).start()
    app.state.job_runner = start_job_runner(app, settings)
    app.state.retrain_runner = start_retrain_runner(app, settings)
    gc.freeze()  # long-lived startup objects (the model) leave the garbage collector's scans
    try:
        yield
    finally:
        if app.state.job_runner is not None:
            app.state.job_runner.stop()  # the job goes back to the queue at a chunk's end
        if app.state.retrain_runner is not None:
            app.state.retrain_runner.stop()  # a retrain still training is marked failed
        if app.state.watcher is not None:
            app.state.watcher.stop()
        if app.state.predictor is not None:
            app.state.predictor.close()
        app.state.review_sync.stop()
        app.state.linker.close()
        if app.state.webhooks is not None:
            app.state.webhooks.stop()
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
    app.state.job_runner = None
    app.state.retrain_runner = None
    app.state.theme_names = {}
    app.state.swapper = None
    app.state.watcher = None
    app.state.webhooks = None
    app.state.review_ordering = ordering_named(settings.review_ordering)
    app.state.key_cache = auth_service.KeyCache(ttl_s=settings.key_cache_ttl_s)
    install_error_handlers(app, retry_after_s=settings.retry_after_s)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        streamed_paths=frozenset({"/v1/imports"}),
    )
    app.add_middleware(ApiKeyFirstMiddleware)  # runs before BodyLimitMiddleware reads the body
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    app.include_router(ops_router)
    app.include_router(feedback_router)
    app.include_router(keys_router)
    app.include_router(requirements_router)
    app.include_router(themes_router)
    app.include_router(models_router)
    app.include_router(exports_router)
    install_web(app)
    app.include_router(review_router)
    app.include_router(jobs_router)
    install_docs(app)
    return app
