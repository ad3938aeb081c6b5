"""Field types of the review API and the queue filter that reads, bulk actions and the UI share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.feedback.schemas import Kind, Short, Source
from feedback_ai.fields import ID_PATTERN, CleanStr, ThemeId, UtcDatetime

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
    q: Annotated[
        CleanStr | None,
        Field(min_length=1, max_length=200,
              description="Words in the masked text (or a proposal's name), case-insensitive"),
    ] = None  # fmt: skip
