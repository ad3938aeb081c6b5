"""Response bodies of /v1/review; the field types and request bodies are re-exported here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.review.filters import (  # noqa: F401  (re-exported)
    MAX_BULK_IDS,
    STRICT,
    Id,
    ItemStatus,
    ItemType,
    QueueFilter,
    RejectReason,
    Themes,
    Version,
)
from feedback_ai.review.requests import (  # noqa: F401  (re-exported)
    AcceptBody,
    BulkBody,
    DuplicateBody,
    EditBody,
    MergeBody,
    RejectBody,
    RelabelBody,
    UndoBody,
    Versioned,
)


class QueueQuery(QueueFilter):
    """GET /v1/review/queue: filters, cursor paging."""

    cursor: Annotated[str | None, Field(max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")] = None
    limit: int = Field(25, ge=1, le=200)


class SuggestionPublic(BaseModel):
    """What the model suggested for one field."""

    field: str
    value: Any
    score: float | None = None
    model_version: str | None = None


class RequirementRef(BaseModel):
    """The requirement a candidate supports (shown title)."""

    id: str
    title: str
    status: str
    evidence_count: int


class FeedbackRef(BaseModel):
    """The feedback behind an item; `text` is masked, `raw_text` only for admins."""

    id: str
    text: str
    raw_text: str | None = None
    source: str
    account_id: str | None
    account_name: str | None
    arr: float | None
    received_at: datetime
    span: list[int] | None = Field(None, description="[start, end] of the evidence in `text`")


class ProposalRef(BaseModel):
    """A discovered theme proposal."""

    name: str
    keywords: list[str]
    size: int
    cohesion: float
    example_ids: list[str]


class LeasePublic(BaseModel):
    """Who has the item open, until when."""

    by: str
    expires_at: datetime
    mine: bool


class ItemPublic(BaseModel):
    """A review item: what is shown (decision, else suggestion) and what the model suggested."""

    id: str
    type: ItemType
    status: ItemStatus
    version: int
    score: float
    uncertainty: float
    priority: float
    source: str | None
    account: str | None
    kind: str | None
    themes: list[str]
    statement: str | None
    requirement: RequirementRef | None
    duplicate_of: str | None
    received_at: datetime | None
    feedback: FeedbackRef | None
    proposal: ProposalRef | None
    suggestions: list[SuggestionPublic]
    lease: LeasePublic | None
    updated_at: datetime


class QueuePublic(BaseModel):
    """A page of the queue; pass `next_cursor` as `cursor` for the next one."""

    items: list[ItemPublic]
    next_cursor: str | None


class DecisionPublic(BaseModel):
    """One human decision, with its before and after values."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    item_id: str | None
    subject_type: str
    subject_id: str
    field: str
    action: str
    value: Any
    before: Any
    reason: str | None
    note: str | None
    decided_by: str
    decided_role: str
    decided_at: datetime
    superseded_by: str | None
    undoes: str | None
    batch_id: str | None


class DecisionsPublic(BaseModel):
    """A page of the decisions table; pass `next_after` as `after` for the next one."""

    items: list[DecisionPublic]
    next_after: str | None
    active_total: int = Field(description="Active decisions (what retraining would read)")


class HistoryPublic(BaseModel):
    """An item's decisions, oldest first."""

    items: list[DecisionPublic]


class BulkPreview(BaseModel):
    """How many items the action would touch; send the token and count back to run it."""

    count: int
    confirm_token: str


class BulkResult(BaseModel):
    """What a bulk action did."""

    batch_id: str
    done: int
    skipped: int


class RequirementHit(BaseModel):
    """A requirement found by the search box."""

    id: str
    title: str
    status: str
    evidence_count: int


class RequirementHits(BaseModel):
    """Search results, best first."""

    items: list[RequirementHit]


class SyncResult(BaseModel):
    """Items added to the queue, items retired, and items refreshed from a new prediction."""

    added: int
    superseded: int
    refreshed: int = 0
