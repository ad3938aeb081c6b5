"""Request and response bodies for /v1/models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.fields import Text
from feedback_ai.ml.training.gate import DEFAULT_TOLERANCE
from feedback_ai.serving.registry import VERSION_PATTERN

VersionPath = Annotated[
    str, Path(max_length=64, pattern=VERSION_PATTERN, examples=["20261128-231500-a1b2c3"])
]
Reason = Annotated[Text, Field(max_length=500)]


class ModelPublic(BaseModel):
    """A registered model: its artifact's recorded sha256, headline figures and status."""

    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    version: str
    status: Literal["challenger", "champion", "retired", "refused"]
    reason: str | None = Field(description="Why it was refused, replaced or rolled back")
    sha256: str = Field(description="sha256 of model.joblib, checked before every load")
    path: str
    metrics: dict[str, Any] = Field(
        description="Headline figures per evaluation set (golden, holdout) from its model card"
    )
    registered_by: str
    trained_at: str | None
    created_at: datetime = Field(description="When this install registered it")


class ChangePublic(BaseModel):
    """One move of the champion pointer."""

    model_config = ConfigDict(from_attributes=True)

    action: Literal["promote", "rollback"]
    from_version: str | None
    to_version: str
    actor: str
    reason: str | None
    at: datetime


class ModelsPublic(BaseModel):
    """Every registered model, newest first, the champion, and what this server serves."""

    items: list[ModelPublic]
    champion: str | None = Field(description="The version the champion pointer names")
    serving: str | None = Field(
        description="The version this server answers with; it follows the champion within seconds"
    )
    serving_error: str | None = Field(
        description="Why this server could not switch to (or start with) the champion, if so"
    )
    history: list[ChangePublic] = Field(description="The pointer's last moves, newest first")


class PromoteRequest(BaseModel):
    """Why the model is promoted; `force` overrides a refused challenger."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None
    force: bool = False


class RollbackRequest(BaseModel):
    """Why the champion is rolled back."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class RetrainRequest(BaseModel):
    """The options of `feedback-ai retrain`."""

    model_config = ConfigDict(extra="forbid")

    min_new_decisions: int = Field(
        0, ge=0, le=1_000_000, description="Skip (outcome 'skipped') until this many new decisions"
    )
    tolerance: float = Field(
        DEFAULT_TOLERANCE, ge=0.0, le=1.0,
        description="How much worse than the champion a gated metric may be",
    )  # fmt: skip
    force: bool = Field(False, description="Promote the challenger even if it is worse")


class RetrainQueued(BaseModel):
    """The answer to a retrain: follow GET /v1/jobs/{job_id}; cancel with POST .../cancel."""

    job_id: str
    status: str
