"""Request and response bodies for /v1/requirements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.feedback.schemas import Short, Source
from feedback_ai.fields import ID_PATTERN, Text, ThemeId

STRICT = ConfigDict(extra="forbid")
Status = Literal["proposed", "accepted", "rejected", "merged", "shipped"]
EditableStatus = Literal["proposed", "accepted", "rejected", "shipped"]


class TrendPublic(BaseModel):
    """Items in the last 30 days against the 30 before."""

    current: int
    previous: int
    change: float | None = Field(
        description="(current - previous) / previous; null if previous = 0"
    )


class AggregatesPublic(BaseModel):
    """Counts over the distinct feedback items linked to the requirement."""

    feedback_count: int
    distinct_accounts: int
    arr: float = Field(description="Sum over distinct accounts, each at its latest ARR")
    by_source: dict[str, int]
    by_kind: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    trend_30d: TrendPublic


class ComponentPublic(BaseModel):
    """One line of the priority breakdown."""

    name: str
    value: float | None = Field(description="Raw input, e.g. accounts, ARR, days since last seen")
    signal: float = Field(description="Normalised to 0..1")
    weight: float
    points: float = Field(description="Contribution to the score")


class PriorityPublic(BaseModel):
    """Score 0..100 and its breakdown; the points add up to the score."""

    score: float
    breakdown: list[ComponentPublic]


class RequirementPublic(BaseModel):
    """A requirement with aggregates and priority."""

    id: str
    title: str
    status: Status
    merged_into: str | None
    themes: list[str]
    created_at: datetime
    updated_at: datetime
    aggregates: AggregatesPublic
    priority: PriorityPublic


class RequirementsPublic(BaseModel):
    """A page of requirements."""

    items: list[RequirementPublic]
    total: int


class EvidencePublic(BaseModel):
    """A span of a feedback item supporting the requirement; offsets index the original text."""

    id: str
    feedback_id: str
    candidate_id: str | None
    statement: str
    sentence: str
    start: int
    end: int
    score: float
    created_at: datetime


class BucketPublic(BaseModel):
    """Items received in the week starting on `start`."""

    start: str
    count: int


class RequirementDetail(RequirementPublic):
    """A requirement with its evidence and weekly volume."""

    evidence: list[EvidencePublic]
    weekly: list[BucketPublic] = Field(description="Every week with evidence, from the first")
    daily: list[BucketPublic] = Field(description="The last 30 days, today included")


class RequirementQuery(BaseModel):
    """Filters, sort and paging for GET /v1/requirements; unknown parameters are refused."""

    model_config = STRICT

    sort: Literal["priority", "recency"] = "priority"
    theme: ThemeId | None = None
    status: Status | None = Field(None, description="Default: everything but merged")
    account: Short | None = Field(None, description="Matches account_id or account_name exactly")
    source: Source | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class RequirementUpdate(BaseModel):
    """Fields a reviewer may change; merging has its own endpoint."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Export reports as PDF", "status": "accepted"}]},
    )

    title: Annotated[Text, Field(max_length=500)] | None = None
    status: EditableStatus | None = None
    themes: Annotated[list[ThemeId], Field(max_length=20)] | None = None


class RequirementMerge(BaseModel):
    """Merge the requirement in the path into `into`."""

    model_config = ConfigDict(extra="forbid")

    into: Annotated[str, Field(pattern=ID_PATTERN)]
