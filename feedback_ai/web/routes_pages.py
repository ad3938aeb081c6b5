"""Pages: requirements (list, one, exports), themes (charts, proposals) and the model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from feedback_ai.deps import IdPath, SessionDep
from feedback_ai.requirements import service as requirements_service
from feedback_ai.requirements.export_router import ExportQuery, export_response
from feedback_ai.requirements.models import Requirement
from feedback_ai.themes import service as themes_service
from feedback_ai.themes.models import ThemeProposal
from feedback_ai.web import views
from feedback_ai.web.auth import AdminWriterDep, UserDep, WriterDep
from feedback_ai.web.charts import bar_chart, sparkline
from feedback_ai.web.queries import form_query
from feedback_ai.web.render import UI_PREFIX, page
from feedback_ai.web.sessions import key_for

router = APIRouter(prefix=UI_PREFIX, include_in_schema=False)
Filters = Annotated[ExportQuery, Depends(form_query(ExportQuery))]


def _not_found(request: Request, what: str) -> Response:
    return page(request, "error.html", {"status": 404, "message": f"No {what} with that id."},
                status_code=404)  # fmt: skip


@router.get("/requirements")
def requirements_list(
    request: Request, filters: Filters, session: SessionDep, _user: UserDep
) -> Response:
    """Requirements by priority with the list's filters; the export links keep them."""
    views_, total = requirements_service.list_requirements(
        session=session, limit=200, **filters.model_dump()
    )
    query = request.url.query
    names = request.app.state.theme_names
    return page(request, "requirements.html", {
        "items": views_, "total": total, "filters": filters, "query": query, "names": names,
        "sources": ("support_ticket", "sales_note", "app_review", "survey", "other"),
        "statuses": ("proposed", "accepted", "rejected", "merged", "shipped"),
    })  # fmt: skip


@router.get("/requirements/{requirement_id}")
def requirement_detail(
    request: Request, requirement_id: IdPath, session: SessionDep, user: UserDep
) -> Response:
    """One requirement: highlighted evidence, accounts and ARR, priority, trend, audit trail."""
    data = views.requirement_page(session=session, requirement_id=requirement_id,
                                  admin=user.is_admin)  # fmt: skip
    if data is None:
        return _not_found(request, "requirement")
    return page(request, "requirement.html", {"p": data, "names": request.app.state.theme_names})


@router.post("/requirements/{requirement_id}/status")
def requirement_status(
    request: Request, requirement_id: IdPath, session: SessionDep, user: WriterDep,
    status: Annotated[Literal["proposed", "accepted", "rejected", "shipped"], Form()],
) -> Response:  # fmt: skip
    """Accept, reject or ship a requirement (accepting sends the webhook, when configured)."""
    req = session.get(Requirement, requirement_id)
    if req is None:
        return _not_found(request, "requirement")
    try:
        requirements_service.update_requirement(
            session=session, requirement=req, changes={"status": status},
            actor_key=key_for(session=session, user=user),
        )  # fmt: skip
    except requirements_service.RequirementError as e:
        return page(request, "error.html", {"status": 409, "message": str(e)}, status_code=409)
    return RedirectResponse(f"{UI_PREFIX}/requirements/{requirement_id}", status_code=303)


@router.get("/export/requirements.{fmt}")
def export_download(
    fmt: Literal["csv", "json", "jira.csv"], filters: Filters, session: SessionDep, _user: UserDep
) -> Response:
    """The API's exports, for a logged-in browser (the links carry the list's filters)."""
    return export_response(session=session, query=filters, fmt=fmt)


@router.get("/themes")
def themes_page(request: Request, session: SessionDep, _user: UserDep) -> Response:
    """Theme volumes and trends as SVG, emerging themes, and proposals."""
    stats = themes_service.theme_stats(session=session, names=request.app.state.theme_names)
    rows = [(s, sparkline([n for _d, n in s.weekly])) for s in stats]
    total: dict[date, int] = {}
    for s in stats:
        for d, n in s.weekly:
            total[d] = total.get(d, 0) + n
    return page(request, "themes.html", {
        "rows": rows, "emerging": [s for s in stats if s.emerging.emerging],
        "volume": bar_chart(sorted(total.items())),
        "proposals": themes_service.list_proposals(session=session),
    })  # fmt: skip


def _proposal(session: SessionDep, proposal_id: str) -> ThemeProposal | None:
    return session.get(ThemeProposal, proposal_id)


def _back() -> RedirectResponse:
    return RedirectResponse(f"{UI_PREFIX}/themes", status_code=303)


@router.post("/themes/proposals/refresh")
def refresh_proposals(request: Request, session: SessionDep, _user: WriterDep) -> Response:
    """Re-cluster unassigned feedback into proposals."""
    model = request.app.state.model
    known = [[t.name, *t.keywords] for t in model.taxonomy.themes] if model else []
    themes_service.refresh_proposals(session=session, known_keywords=known)
    return _back()


@router.post("/themes/proposals/{proposal_id}/accept")
def accept_proposal(
    request: Request, proposal_id: IdPath, session: SessionDep, user: AdminWriterDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    """Add the proposal to the taxonomy (admins only)."""
    proposal = _proposal(session, proposal_id)
    if proposal is None:
        return _not_found(request, "proposal")
    try:
        themes_service.accept_proposal(session=session, proposal=proposal,
                                       name=name.strip() or None,
                                       actor_key=key_for(session=session, user=user))  # fmt: skip
    except themes_service.ProposalError as e:
        return page(request, "error.html", {"status": 409, "message": str(e)}, status_code=409)
    return _back()


@router.post("/themes/proposals/{proposal_id}/rename")
def rename_proposal(
    request: Request, proposal_id: IdPath, session: SessionDep, user: AdminWriterDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:  # fmt: skip
    """Rename a proposal (admins only)."""
    proposal = _proposal(session, proposal_id)
    if proposal is None:
        return _not_found(request, "proposal")
    themes_service.rename_proposal(session=session, proposal=proposal, name=name.strip(),
                                   actor_key=key_for(session=session, user=user))  # fmt: skip
    return _back()


@router.post("/themes/proposals/{proposal_id}/dismiss")
def dismiss_proposal(
    request: Request, proposal_id: IdPath, session: SessionDep, user: WriterDep
) -> Response:
    """Dismiss a proposal (reviewers too, as in the API)."""
    proposal = _proposal(session, proposal_id)
    if proposal is None:
        return _not_found(request, "proposal")
    try:
        themes_service.dismiss_proposal(session=session, proposal=proposal,
                                        actor_key=key_for(session=session, user=user))  # fmt: skip
    except themes_service.ProposalError as e:
        return page(request, "error.html", {"status": 409, "message": str(e)}, status_code=409)
    return _back()


@router.get("/model")
def model_info(request: Request, session: SessionDep, _user: UserDep) -> Response:
    """The served model's version, card metrics, and decisions not yet trained on."""
    data = views.model_page(session=session, model=request.app.state.model,
                            models_dir=request.app.state.settings.models_dir)  # fmt: skip
    return page(request, "model.html", {"m": data})
