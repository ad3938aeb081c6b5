"""Request and response bodies for /v1/review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from feedback_ai.feedback.schemas import Kind, Short, Source
from feedback_ai.fields import ID_PATTERN, Text, ThemeId, UtcDatetime

STRICT = ConfigDict(extra="forbid")
ItemType = Literal["candidate", "feedback", "theme_proposal"]
ItemStatus = Literal["pending", "accepted", "rejected", "duplicate", "relabelled", "superseded"]
RejectReason = Literal[
    "not_a_requirement", "duplicate", "spam", "out_of_scope", "unclear", "wrong_split", "other"
]
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Version = Annotated[int, Field(ge=1, description="The item's version you read; stale -> 409")]
Themes = Annotated[list[ThemeId], Field(max_length=20)]
MAX_BULK_IDS = 10_000


class QueueFilter(BaseModel):
    """Which items: every filter is optional and they combine with AND."""

    model_config = STRICT

    status: ItemStatus = "pending"
    type: ItemType | None = None
    theme: ThemeId | None = None
    source: Source | None = None
    kind: Kind | None = None
    account: Short | None = Field(None, description="Matches account_id, else account_name")
    since: UtcDatetime | None = Field(None, description="Received at or after")
    until: UtcDatetime | None = Field(None, description="Received before")
    q: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, description="Words in the masked text (or a proposal's name), case-insensitive"
    )


class QueueQuery(QueueFilter):
    """GET /v1/review/queue: filters, cursor paging."""

    cursor: Annotated[str, Field(max_length=200)] | None = None
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


class Versioned(BaseModel):
    """Every write names the version it was based on."""

    model_config = STRICT

    version: Version


class AcceptBody(Versioned):
    """Accept a candidate into its suggested requirement, a chosen one, or a new one."""

    requirement_id: Id | None = None
    new_requirement: bool = False
    title: Annotated[Text, Field(max_length=500)] | None = Field(
        None, description="Title of the new requirement (default: the statement)"
    )

    @model_validator(mode="after")
    def _one_target(self) -> AcceptBody:
        if self.requirement_id and self.new_requirement:
            raise ValueError("give requirement_id or new_requirement, not both")
        return self


class MergeBody(Versioned):
    """Join the candidate to an existing requirement."""

    requirement_id: Id


class RejectBody(Versioned):
    """Reject with a reason from the list, and optional free text."""

    reason: RejectReason
    note: Annotated[Text, Field(max_length=2000)] | None = None


class EditBody(Versioned):
    """Edit the candidate's statement and/or its requirement's title."""

    statement: Annotated[Text, Field(max_length=500)] | None = None
    requirement_title: Annotated[Text, Field(max_length=500)] | None = None


class RelabelBody(Versioned):
    """Relabel the kind and/or themes of the underlying feedback."""

    kind: Kind | None = None
    themes: Themes | None = None


class DuplicateBody(Versioned):
    """Mark as a duplicate of another item."""

    of: Id


class UndoBody(Versioned):
    """Undo the item's last action, or one decision of its history."""

    decision_id: Id | None = None


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


class HistoryPublic(BaseModel):
    """An item's decisions, oldest first."""

    items: list[DecisionPublic]


class BulkBody(BaseModel):
    """Bulk accept, reject or relabel: ids, or everything matching `filter`."""

    model_config = STRICT

    action: Literal["accept", "reject", "relabel"]
    ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_BULK_IDS)] | None = None
    filter: QueueFilter | None = None
    reason: RejectReason | None = None
    note: Annotated[Text, Field(max_length=2000)] | None = None
    kind: Kind | None = None
    themes: Themes | None = None
    confirm_token: Annotated[str, Field(max_length=64)] | None = None
    confirm_count: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _coherent(self) -> BulkBody:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        if self.action == "reject" and self.reason is None:
            raise ValueError("a bulk reject needs a reason")
        if self.action == "relabel" and self.kind is None and self.themes is None:
            raise ValueError("a bulk relabel needs kind or themes")
        return self


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
    """Items added to the queue and items retired."""

    added: int
    superseded: int
