"""/v1/models: reviewers read the registry; admins promote, roll back and retrain the champion."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from feedback_ai.api_errors import ERROR_RESPONSES, NOT_FOUND, STATE_CONFLICT, ErrorBody
from feedback_ai.deps import AdminKeyDep, ReaderKeyDep, SessionDep
from feedback_ai.serving import champion, registry, retrain_job
from feedback_ai.serving.models import ChampionChange
from feedback_ai.serving.schemas import (
    ChangePublic,
    ModelPublic,
    ModelsPublic,
    PromoteRequest,
    RetrainQueued,
    RetrainRequest,
    RollbackRequest,
    VersionPath,
)

router = APIRouter(prefix="/v1/models", tags=["models"], responses=ERROR_RESPONSES)


def _serving(request: Request) -> str | None:
    model = request.app.state.model
    return model.version if model is not None else None


def _serving_error(request: Request) -> str | None:
    swapper = request.app.state.swapper
    return swapper.last_error if swapper is not None else None


def _changed(request: Request, change: ChampionChange) -> ChangePublic:
    watcher = request.app.state.watcher
    if watcher is not None:
        watcher.wake()  # this server switches now; the others at their next poll
    return ChangePublic.model_validate(change)


@router.get("", response_model=ModelsPublic)
def read_models(request: Request, session: SessionDep, _key: ReaderKeyDep) -> ModelsPublic:
    """Every registered model, the champion, this server's model and the pointer's history."""
    records = registry.list_records(session=session)
    return ModelsPublic(
        items=[ModelPublic.model_validate(r) for r in records],
        champion=champion.champion_version(session=session),
        serving=_serving(request),
        serving_error=_serving_error(request),
        history=[ChangePublic.model_validate(c) for c in champion.history(session=session)],
    )


@router.post(
    "/retrain", status_code=status.HTTP_202_ACCEPTED, response_model=RetrainQueued,
    responses={409: {"model": ErrorBody, "description": "A retrain is queued or running (retrain_running)"}},
)  # fmt: skip
def retrain_model(
    request: Request, session: SessionDep, key: AdminKeyDep, body: RetrainRequest | None = None
) -> RetrainQueued:
    """Queue a retrain (the options of `feedback-ai retrain`); one at a time. Follow the job at
    GET /v1/jobs/{job_id}: its summary says promoted, refused (with reasons) or skipped."""
    options = (body or RetrainRequest()).model_dump()
    job = retrain_job.queue_retrain(session=session, options=options, actor_key_id=key.id)
    runner = request.app.state.retrain_runner
    if runner is not None:
        runner.wake()
    return RetrainQueued(job_id=job.id, status=job.status)


@router.get("/{version}", response_model=ModelPublic, responses=NOT_FOUND)
def read_model(version: VersionPath, session: SessionDep, _key: ReaderKeyDep) -> ModelPublic:
    """One registered model."""
    return ModelPublic.model_validate(registry.get_record(session=session, version=version))


@router.post(
    "/{version}/promote", response_model=ChangePublic, responses=NOT_FOUND | STATE_CONFLICT
)
def promote_model(
    version: VersionPath,
    request: Request,
    session: SessionDep,
    key: AdminKeyDep,
    body: PromoteRequest | None = None,
) -> ChangePublic:
    """Make a registered model the champion; every server switches to it within seconds."""
    body = body or PromoteRequest()
    change = champion.promote(
        session=session, version=version, actor=f"key:{key.name}", reason=body.reason,
        force=body.force, actor_key=key,
    )  # fmt: skip
    return _changed(request, change)


@router.post("/rollback", response_model=ChangePublic, responses=STATE_CONFLICT)
def rollback_model(
    request: Request, session: SessionDep, key: AdminKeyDep, body: RollbackRequest | None = None
) -> ChangePublic:
    """Point back at the champion before the current one; every server follows within seconds."""
    body = body or RollbackRequest()
    change = champion.rollback(
        session=session, actor=f"key:{key.name}", reason=body.reason, actor_key=key
    )
    return _changed(request, change)
