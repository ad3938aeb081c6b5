"""GET /v1/exports/requirements.{csv,json,jira.csv}: requirements with evidence, filtered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from feedback_ai.api_errors import ERROR_RESPONSES
from feedback_ai.deps import ReaderKeyDep, SessionDep
from feedback_ai.feedback.schemas import Short, Source
from feedback_ai.fields import ThemeId
from feedback_ai.requirements import export
from feedback_ai.requirements.schemas import STRICT, Status

ExportFormat = Literal["csv", "json", "jira.csv"]
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "jira.csv": "text/csv; charset=utf-8"}  # fmt: skip
router = APIRouter(prefix="/v1/exports", tags=["exports"], responses=ERROR_RESPONSES)


class ExportQuery(BaseModel):
    """The requirement list's filters; the export holds every match (up to 10,000)."""

    model_config = STRICT

    sort: Literal["priority", "recency"] = "priority"
    theme: ThemeId | None = None
    status: Status | None = Field(None, description="Default: everything but merged")
    account: Short | None = None
    source: Source | None = None


def export_response(*, session: Session, query: ExportQuery, fmt: ExportFormat) -> Response:
    """The export as a download named after the format and today's date."""
    items = export.export_requirements(session=session, **query.model_dump())
    if fmt == "json":
        body = export.to_json(items)
    elif fmt == "csv":
        body = export.to_csv(items)
    else:
        body = export.to_jira_csv(items)
    name = f"requirements-{datetime.now(UTC):%Y-%m-%d}.{fmt}"
    if fmt == "jira.csv":
        name = name.replace(".jira.csv", "-jira.csv")
    return Response(
        body, media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


_CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "CSV"}}
_JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}}, "description": "JSON"}
}


@router.get("/requirements.csv", response_class=Response, responses=_CSV)
def export_csv(
    query: Annotated[ExportQuery, Query()], session: SessionDep, _key: ReaderKeyDep
) -> Response:
    """One row per requirement, evidence quotes (masked) with account and ARR in the last column."""
    return export_response(session=session, query=query, fmt="csv")


@router.get("/requirements.json", response_class=Response, responses=_JSON)
def export_json(
    query: Annotated[ExportQuery, Query()], session: SessionDep, _key: ReaderKeyDep
) -> Response:
    """Requirements with every evidence quote (masked), account, ARR and source."""
    return export_response(session=session, query=query, fmt="json")


@router.get("/requirements.jira.csv", response_class=Response, responses=_CSV)
def export_jira(
    query: Annotated[ExportQuery, Query()], session: SessionDep, _key: ReaderKeyDep
) -> Response:
    """For Jira Cloud's CSV importer: Summary, Description, Issue Type, Priority, Labels..."""
    return export_response(session=session, query=query, fmt="jira.csv")
