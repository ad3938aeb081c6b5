"""The feedback item every writer submits, how it is validated, and its errors as plain data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from feedback_ai.feedback import budget
from feedback_ai.fields import CleanStr, Metadata, Text, UtcDatetime, field_path
from feedback_ai.settings import MAX_TEXT_CHARS

Source = Literal["support_ticket", "sales_note", "app_review", "survey", "other"]
FeedbackText = Annotated[
    Text,
    Field(max_length=MAX_TEXT_CHARS, examples=["Please add SSO with Okta, our IT team insists."]),
]
Short = Annotated[CleanStr, Field(min_length=1, max_length=255)]
Tiny = Annotated[CleanStr, Field(min_length=1, max_length=64)]
JSON_TYPES = {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
              str: "a string", list: "an array"}  # fmt: skip

EXAMPLE: dict[str, Any] = {
    "text": "Exporting the pipeline report to CSV times out. Please add scheduled exports.",
    "source": "support_ticket",
    "external_id": "zendesk-48213",
    "account_id": "acc-1042",
    "account_name": "Northwind Traders",
    "arr": 48000,
    "plan": "enterprise",
    "segment": "mid-market",
    "received_at": "2026-11-20T09:30:00Z",
    "metadata": {"priority": "high", "tags": ["export"]},
}


class FeedbackCreate(BaseModel):
    """One feedback item to store and classify; (source, external_id) makes replays safe."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    text: FeedbackText
    source: Source
    external_id: Short | None = Field(None, description="Your id; a replay returns the stored item")
    account_id: Short | None = None
    account_name: Short | None = None
    # Strict: `true` or `"48000"` is refused instead of being stored as 1.0 or 48000.0.
    arr: Annotated[float, Field(strict=True, ge=0, le=1e11, allow_inf_nan=False)] | None = Field(
        None, description="Annual recurring revenue of the account (a JSON number)"
    )
    plan: Tiny | None = None
    segment: Tiny | None = None
    received_at: UtcDatetime | None = Field(None, description="Defaults to now; naive means UTC")
    metadata: Metadata = Field(default_factory=dict, description="Free JSON, up to 16 KB")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of an item (`items[3].text`, `arr`...)."""

    field: str
    message: str
    type: str


@dataclass(frozen=True, slots=True)
class ItemError:
    """Why one item was not stored: the API answers it, an import quarantines it."""

    code: str
    message: str
    errors: tuple[FieldProblem, ...] = field(default_factory=tuple)


def problems(raw: list[Any]) -> tuple[FieldProblem, ...]:
    """Pydantic's error dicts as FieldProblems with readable paths."""
    return tuple(
        FieldProblem(
            field=field_path(err.get("loc", ())),
            message=str(err.get("msg", "invalid value")).removeprefix("Value error, "),
            type=str(err.get("type", "value_error")),
        )
        for err in raw
    )


def validate_item(data: Any, *, max_text_chars: int) -> tuple[FeedbackCreate | ItemError, int]:
    """One raw item as a FeedbackCreate (and its normalised text length), or why not."""
    if not isinstance(data, dict):
        return not_an_object(data), 0
    try:
        item = FeedbackCreate.model_validate(data)
    except ValidationError as e:
        found = problems(list(e.errors()))
        message = "invalid fields: " + ", ".join(dict.fromkeys(x.field for x in found))
        return ItemError(code="validation_error", message=message, errors=found), 0
    try:
        return item, budget.check_text(item.text, limit=max_text_chars)
    except budget.TextTooLong as e:
        return text_too_long(str(e)), 0


def parse_items(
    raw: list[Any], *, max_text_chars: int, max_request_chars: int | None = None
) -> list[FeedbackCreate | ItemError]:
    """Validate each raw item on its own; errors name the field inside the item.

    Raises budget.RequestTooLarge when the valid items' texts add up to over `max_request_chars`.
    """
    out: list[FeedbackCreate | ItemError] = []
    lengths: list[int] = []
    for data in raw:
        item, length = validate_item(data, max_text_chars=max_text_chars)
        out.append(item)
        if not isinstance(item, ItemError):
            lengths.append(length)
    if max_request_chars is not None:
        budget.check_request(lengths, limit=max_request_chars)
    return out


def not_an_object(value: Any) -> ItemError:
    """The error for an item that is not a JSON object (null, a number, a list...)."""
    kind = JSON_TYPES.get(type(value), type(value).__name__)
    message = f"each item must be a JSON object with `text` and `source`; got {kind}"
    return ItemError(
        code="validation_error",
        message=message,
        errors=(FieldProblem(field="item", message=message, type="model_type"),),
    )


def text_too_long(message: str) -> ItemError:
    """The error for a text over the configured limit."""
    return ItemError(
        code="validation_error",
        message=message,
        errors=(FieldProblem(field="text", message=message, type="string_too_long"),),
    )


def content_hash(item: FeedbackCreate) -> str:
    """A fingerprint of what was sent, to tell a faithful replay from a clash."""
    data = item.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()
