"""Presets for real exports: the format, the columns that must be there, and the mapping of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from feedback_ai.imports.html_text import html_to_text
from feedback_ai.imports.mapping import ColumnMapping
from feedback_ai.imports.rows import ImportFormatError

Transform = Callable[[dict[str, Any]], dict[str, Any]]
# Intercom authors whose words are customer feedback; admin and bot replies are left out.
CUSTOMER_AUTHORS = frozenset({"user", "lead", "contact"})


@dataclass(frozen=True)
class Preset:
    """How one product's export is read and mapped."""

    name: str
    format: str
    mapping: ColumnMapping
    required: tuple[str, ...] = ()
    transform: Transform | None = None


def _zendesk(ticket: dict[str, Any]) -> dict[str, Any]:
    """Organisation name from a side-loaded object or a flat column; the channel from `via`."""
    organization = ticket.get("organization")
    name = organization.get("name") if isinstance(organization, dict) else organization
    via = ticket.get("via")
    channel = via.get("channel") if isinstance(via, dict) else via
    return ticket | {"_organization_name": name or ticket.get("organization_name"), "_via": channel}


def _intercom(conversation: dict[str, Any]) -> dict[str, Any]:
    """The opening message and the customer's later parts, HTML stripped; tag names."""
    source = conversation.get("source") or {}
    texts = [html_to_text(source.get("subject") or ""), html_to_text(source.get("body") or "")]
    parts = (conversation.get("conversation_parts") or {}).get("conversation_parts") or []
    for part in parts:
        author = (part.get("author") or {}).get("type")
        if part.get("part_type") == "comment" and author in CUSTOMER_AUTHORS:
            texts.append(html_to_text(part.get("body") or ""))
    tags = (conversation.get("tags") or {}).get("tags") or []
    contacts = (conversation.get("contacts") or {}).get("contacts") or []
    return conversation | {
        "_text": "\n\n".join(text for text in texts if text),
        "_tags": [tag.get("name") for tag in tags if isinstance(tag, dict)],
        "_contact": contacts[0].get("id") if contacts and isinstance(contacts[0], dict) else None,
        "_channel": source.get("delivered_as"),
    }


def _google_play(review: dict[str, Any]) -> dict[str, Any]:
    """The review id from the Review Link, since the export has no id column."""
    link = review.get("Review Link") or ""
    review_id = parse_qs(urlparse(link).query).get("reviewId", [None])[0]
    return review | {"_review_id": review_id, "_star_rating": _number(review.get("Star Rating"))}


def _survey(response: dict[str, Any]) -> dict[str, Any]:
    """The score as a number when it is one."""
    return response | {"_score": _number(response.get("score"))}


def _number(value: Any) -> Any:
    """An int or float from text such as '4' or '8.5'; anything else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value.strip() or None
    return int(number) if number.is_integer() else number


def _app_store(item: dict[str, Any]) -> dict[str, Any]:
    """Only customerReviews resources carry review text; other JSON:API types are not reviews."""
    if item.get("type") not in (None, "customerReviews"):
        return item | {"attributes": {}}
    return item


PRESETS: dict[str, Preset] = {
    "zendesk": Preset(
        "zendesk",
        "jsonl",
        ColumnMapping(
            text_columns=("subject", "description"),
            source="support_ticket",
            id_column="id",
            id_prefix="zendesk-",
            date_column="created_at",
            account_column="organization_id",
            account_name_column="_organization_name",
            metadata_columns=("tags", "_via", "status", "priority", "type"),
        ),
        transform=_zendesk,
    ),
    "intercom": Preset(
        "intercom",
        "json",
        ColumnMapping(
            text_columns=("_text",),
            source="support_ticket",
            id_column="id",
            id_prefix="intercom-",
            date_column="created_at",
            account_column="_contact",
            metadata_columns=("_tags", "state", "_channel"),
        ),
        transform=_intercom,
    ),
    "google-play": Preset(
        "google-play",
        "csv",
        ColumnMapping(
            text_columns=("Review Title", "Review Text"),
            source="app_review",
            id_column="_review_id",
            id_prefix="gplay-",
            date_column="Review Submit Date and Time",
            metadata_columns=(
                "_star_rating",
                "App Version Name",
                "App Version Code",
                "Reviewer Language",
                "Device",
                "Package Name",
            ),
        ),
        required=("Review Text", "Star Rating", "Review Submit Date and Time"),
        transform=_google_play,
    ),
    "app-store": Preset(
        "app-store",
        "json",
        ColumnMapping(
            text_columns=("attributes.title", "attributes.body"),
            source="app_review",
            id_column="id",
            id_prefix="appstore-",
            date_column="attributes.createdDate",
            metadata_columns=("attributes.rating", "attributes.territory"),
        ),
        transform=_app_store,
    ),
    "salesforce": Preset(
        "salesforce",
        "csv",
        ColumnMapping(
            text_columns=("Description",),
            source="sales_note",
            id_column="Id",
            id_prefix="sfdc-",
            date_column="Close Date",
            account_column="Account ID",
            account_name_column="Account Name",
            arr_column="Amount",
            metadata_columns=("Opportunity Name", "Stage"),
        ),
        required=("Account Name", "Description", "Amount", "Id"),
    ),
    "survey": Preset(
        "survey",
        "csv",
        ColumnMapping(
            text_columns=("comment",),
            source="survey",
            id_column="response_id",
            id_prefix="survey-",
            date_column="submitted_at",
            account_column="account_id",
            account_name_column="account_name",
            metadata_columns=("_score", "survey", "respondent_id"),
        ),
        required=("response_id", "score", "comment", "submitted_at"),
        transform=_survey,
    ),
}


def get_preset(name: str) -> Preset:
    """A preset by name, with the list of names when it is unknown."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ImportFormatError(f"unknown preset {name!r}; presets: {known}") from None
