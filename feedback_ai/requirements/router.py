"""Endpoints to list, read, edit and merge requirements."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from feedback_ai.api_errors import ERROR_RESPONSES, NOT_FOUND, STATE_CONFLICT, ApiError
from feedback_ai.db import utcnow
from feedback_ai.deps import IdPath, ReaderKeyDep, SessionDep
from feedback_ai.ml.themes.trends import bucket_counts
from feedback_ai.requirements import service
from feedback_ai.requirements.models import Requirement
from feedback_ai.requirements.schemas import (
    AggregatesPublic,
    BucketPublic,
    ComponentPublic,
    EvidencePublic,
    PriorityPublic,
    RequirementDetail,
    RequirementMerge,
    RequirementPublic,
    RequirementQuery,
    RequirementsPublic,
    RequirementUpdate,
    TrendPublic,
)

router = APIRouter(prefix="/v1/requirements", tags=["requirements"], responses=ERROR_RESPONSES)


def requirement_public(view: service.RequirementView) -> RequirementPublic:
    """The public shape of a requirement view."""
    req, agg, prio = view.requirement, view.aggregates, view.priority
    return RequirementPublic(
        id=req.id, title=req.title, status=req.status, merged_into=req.merged_into,
        themes=list(req.themes), created_at=req.created_at, updated_at=req.updated_at,
        aggregates=AggregatesPublic(
            feedback_count=agg.feedback_count, distinct_accounts=agg.distinct_accounts,
            arr=agg.arr, by_source=agg.by_source, by_kind=agg.by_kind,
            first_seen=agg.first_seen, last_seen=agg.last_seen,
            trend_30d=TrendPublic(**asdict(agg.trend)),
        ),
        priority=PriorityPublic(
            score=prio.score, breakdown=[ComponentPublic(**asdict(c)) for c in prio.components]
        ),
    )  # fmt: skip


def _load(session: SessionDep, requirement_id: str) -> Requirement:
    req = session.get(Requirement, requirement_id)
    if req is None:
        raise ApiError(404, "not_found", f"no requirement with id {requirement_id!r}")
    return req


def _detail(session: SessionDep, requirement_id: str) -> RequirementDetail:
    found = service.get_requirement(session=session, requirement_id=requirement_id)
    if found is None:
        raise ApiError(404, "not_found", f"no requirement with id {requirement_id!r}")
    view, evidence = found
    received = view.aggregates.received
    weekly = bucket_counts(received, unit="week")
    today = utcnow().date()
    since = today - timedelta(days=29)
    daily = bucket_counts(
        [t for t in received if t.date() >= since], unit="day", start=since, end=today
    )
    return RequirementDetail(
        **requirement_public(view).model_dump(),
        evidence=[EvidencePublic.model_validate(e, from_attributes=True) for e in evidence],
        weekly=[BucketPublic(start=d.isoformat(), count=n) for d, n in weekly],
        daily=[BucketPublic(start=d.isoformat(), count=n) for d, n in daily],
    )


@router.get("", response_model=RequirementsPublic)
def read_requirements(
    query: Annotated[RequirementQuery, Query()], session: SessionDep, _key: ReaderKeyDep
) -> RequirementsPublic:
    """Requirements by priority (default) or recency, filtered by theme, status, account, source."""
    views, total = service.list_requirements(
        session=session, sort=query.sort, theme=query.theme, status=query.status,
        account=query.account, source=query.source, limit=query.limit, offset=query.offset,
    )  # fmt: skip
    return RequirementsPublic(items=[requirement_public(v) for v in views], total=total)


@router.get("/{requirement_id}", response_model=RequirementDetail, responses=NOT_FOUND)
def read_requirement(
    requirement_id: IdPath, session: SessionDep, _key: ReaderKeyDep
) -> RequirementDetail:
    """One requirement with evidence spans, aggregates, weekly volume and priority breakdown."""
    return _detail(session, requirement_id)


@router.patch(
    "/{requirement_id}", response_model=RequirementDetail, responses=NOT_FOUND | STATE_CONFLICT
)
def update_requirement(
    requirement_id: IdPath, body: RequirementUpdate, session: SessionDep, key: ReaderKeyDep
) -> RequirementDetail:
    """Change the title, status or themes (reviewers and admins)."""
    req = _load(session, requirement_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    try:
        service.update_requirement(session=session, requirement=req, changes=changes, actor_key=key)
    except service.RequirementError as e:
        raise ApiError(409, e.code, str(e)) from e
    return _detail(session, requirement_id)


@router.post(
    "/{requirement_id}/merge",
    response_model=RequirementDetail,
    responses=NOT_FOUND | STATE_CONFLICT,
)
def merge_requirement(
    requirement_id: IdPath, body: RequirementMerge, session: SessionDep, key: ReaderKeyDep
) -> RequirementDetail:
    """Merge this requirement into `into`; returns the target, which now holds the evidence."""
    source, target = _load(session, requirement_id), _load(session, body.into)
    try:
        service.merge_requirements(session=session, source=source, target=target, actor_key=key)
    except service.RequirementError as e:
        raise ApiError(409, e.code, str(e)) from e
    return _detail(session, target.id)
