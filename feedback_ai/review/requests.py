"""Request bodies of the review actions: one item (with its version) or many (bulk)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from feedback_ai.feedback.schemas import Kind
from feedback_ai.fields import Text
from feedback_ai.review.filters import (
    MAX_BULK_IDS,
    STRICT,
    Id,
    QueueFilter,
    RejectReason,
    Themes,
    Version,
)


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
