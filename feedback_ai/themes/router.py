"""Endpoints for theme volumes and trends, and for discovered theme proposals."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request

from feedback_ai.api_errors import ERROR_RESPONSES, NOT_FOUND, STATE_CONFLICT, ApiError
from feedback_ai.deps import AdminKeyDep, IdPath, ReaderKeyDep, SessionDep, ThemeNamesDep
from feedback_ai.requirements.schemas import BucketPublic, TrendPublic
from feedback_ai.themes import service
from feedback_ai.themes.models import ThemeProposal
from feedback_ai.themes.schemas import (
    EmergingPublic,
    ProposalAccept,
    ProposalPublic,
    ProposalQuery,
    ProposalRefresh,
    ProposalRename,
    ProposalsPublic,
    ThemesPublic,
    ThemeStatsPublic,
)

router = APIRouter(prefix="/v1/themes", tags=["themes"], responses=ERROR_RESPONSES)


def _load(session: SessionDep, proposal_id: str) -> ThemeProposal:
    proposal = session.get(ThemeProposal, proposal_id)
    if proposal is None:
        raise ApiError(404, "not_found", f"no theme proposal with id {proposal_id!r}")
    return proposal


def _public(proposal: ThemeProposal) -> ProposalPublic:
    return ProposalPublic.model_validate(proposal, from_attributes=True)


def _known_keywords(request: Request) -> list[list[str]]:
    model = request.app.state.model
    if model is None:
        return []
    return [[t.name, *t.keywords] for t in model.taxonomy.themes]


@router.get("", response_model=ThemesPublic)
def read_themes(session: SessionDep, _key: ReaderKeyDep, names: ThemeNamesDep) -> ThemesPublic:
    """Every theme with its count, 30-vs-30 trend, last 30 days and 12 weeks, emerging test."""
    stats = service.theme_stats(session=session, names=names)
    return ThemesPublic(
        items=[
            ThemeStatsPublic(
                id=s.id,
                name=s.name,
                custom=s.custom,
                count=s.count,
                trend_30d=TrendPublic(**asdict(s.trend)),
                weekly=[BucketPublic(start=d.isoformat(), count=n) for d, n in s.weekly],
                daily=[BucketPublic(start=d.isoformat(), count=n) for d, n in s.daily],
                emerging=EmergingPublic(**asdict(s.emerging)),
            )
            for s in stats
        ]
    )


@router.get("/proposals", response_model=ProposalsPublic)
def read_proposals(
    query: Annotated[ProposalQuery, Query()], session: SessionDep, _key: ReaderKeyDep
) -> ProposalsPublic:
    """Stored proposals; POST /v1/themes/proposals/refresh recomputes them."""
    rows = service.list_proposals(session=session, status=query.status)
    return ProposalsPublic(items=[_public(p) for p in rows])


@router.post("/proposals/refresh", response_model=ProposalsPublic)
def refresh_proposals(
    request: Request, session: SessionDep, _key: ReaderKeyDep, body: ProposalRefresh | None = None
) -> ProposalsPublic:
    """Cluster unassigned feedback into proposals (deterministic; dismissed ones stay away)."""
    body = body or ProposalRefresh()
    rows = service.refresh_proposals(
        session=session, known_keywords=_known_keywords(request),
        n_themes=body.n_themes, min_size=body.min_size,
    )  # fmt: skip
    return ProposalsPublic(items=[_public(p) for p in rows])


@router.post(
    "/proposals/{proposal_id}/accept",
    response_model=ProposalPublic,
    responses=NOT_FOUND | STATE_CONFLICT,
)
def accept_proposal(
    proposal_id: IdPath, session: SessionDep, key: AdminKeyDep, body: ProposalAccept | None = None
) -> ProposalPublic:
    """Add the proposal to the taxonomy under a new, permanent theme id (admins only)."""
    proposal = _load(session, proposal_id)
    try:
        service.accept_proposal(
            session=session, proposal=proposal, name=body.name if body else None, actor_key=key
        )
    except service.ProposalError as e:
        raise ApiError(409, "proposal_decided", str(e)) from e
    return _public(proposal)


@router.post(
    "/proposals/{proposal_id}/rename",
    response_model=ProposalPublic,
    responses=NOT_FOUND | STATE_CONFLICT,
)
def rename_proposal(
    proposal_id: IdPath, body: ProposalRename, session: SessionDep, key: AdminKeyDep
) -> ProposalPublic:
    """Rename a proposal, and its theme if accepted; ids never change (admins only)."""
    proposal = _load(session, proposal_id)
    renamed = service.rename_proposal(
        session=session, proposal=proposal, name=body.name, actor_key=key
    )
    return _public(renamed)


@router.post(
    "/proposals/{proposal_id}/dismiss",
    response_model=ProposalPublic,
    responses=NOT_FOUND | STATE_CONFLICT,
)
def dismiss_proposal(proposal_id: IdPath, session: SessionDep, key: ReaderKeyDep) -> ProposalPublic:
    """Dismiss a proposal so that it is not proposed again."""
    proposal = _load(session, proposal_id)
    try:
        service.dismiss_proposal(session=session, proposal=proposal, actor_key=key)
    except service.ProposalError as e:
        raise ApiError(409, "proposal_decided", str(e)) from e
    return _public(proposal)
