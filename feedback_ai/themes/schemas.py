"""Request and response bodies for /v1/themes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.fields import Text
from feedback_ai.requirements.schemas import BucketPublic, TrendPublic

Name = Annotated[Text, Field(max_length=200)]


class EmergingPublic(BaseModel):
    """Exact binomial test of the last 7 days against the 56 before (see ml/themes/trends.py)."""

    recent: int
    baseline: int
    rate_ratio: float
    p_value: float
    emerging: bool


class ThemeStatsPublic(BaseModel):
    """A theme with its volume and trends."""

    id: str
    name: str
    custom: bool = Field(description="Accepted from a proposal rather than the model's taxonomy")
    count: int
    trend_30d: TrendPublic
    weekly: list[BucketPublic] = Field(description="Last 12 weeks, weeks starting on Monday")
    daily: list[BucketPublic] = Field(description="Last 30 days")
    emerging: EmergingPublic


class ThemesPublic(BaseModel):
    """Every theme, most items first."""

    items: list[ThemeStatsPublic]


class ProposalPublic(BaseModel):
    """A proposed theme discovered in unassigned feedback."""

    id: str
    fingerprint: str
    status: Literal["proposed", "accepted", "dismissed"]
    name: str
    keywords: list[str]
    size: int
    cohesion: float
    example_ids: list[str] = Field(description="Most representative feedback ids, best first")
    feedback_ids: list[str]
    theme_id: str | None
    created_at: datetime
    decided_at: datetime | None


class ProposalsPublic(BaseModel):
    """Proposals, biggest first."""

    items: list[ProposalPublic]


class ProposalQuery(BaseModel):
    """Which proposals to list."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["proposed", "accepted", "dismissed"] = "proposed"


class ProposalAccept(BaseModel):
    """Accept a proposal, optionally under a new name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "VAT"}]})

    name: Name | None = None


class ProposalRename(BaseModel):
    """A new name for a proposal (and its theme, when accepted)."""

    model_config = ConfigDict(extra="forbid")

    name: Name


class ProposalRefresh(BaseModel):
    """Discovery knobs."""

    model_config = ConfigDict(extra="forbid")

    n_themes: int | None = Field(None, ge=2, le=50, description="Default: about sqrt(n / 4)")
    min_size: int = Field(5, ge=2, le=1000)
