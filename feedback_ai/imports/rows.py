"""What the import readers hand on: rows ready to ingest, quarantined rows, limits and errors."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedback_ai.settings import MAX_TEXT_CHARS

# Reason codes for quarantined rows; stable strings, stored and shown to users.
MISSING_TEXT = "missing_text"
TEXT_TOO_LONG = "text_too_long"
BAD_ENCODING = "bad_encoding"
BAD_DATE = "bad_date"
BAD_VALUE = "bad_value"
UNPARSEABLE = "unparseable_line"
WRONG_COLUMN_COUNT = "wrong_column_count"
LINE_TOO_LONG = "line_too_long"
REASONS = frozenset(
    {
        MISSING_TEXT,
        TEXT_TOO_LONG,
        BAD_ENCODING,
        BAD_DATE,
        BAD_VALUE,
        UNPARSEABLE,
        WRONG_COLUMN_COUNT,
        LINE_TOO_LONG,
    }
)
RAW_PREVIEW_CHARS = 4_000


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (empty, wrong header, not the declared format, a bomb)."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep memory flat whatever the input."""

    max_text_chars: int = MAX_TEXT_CHARS
    max_line_bytes: int = 1024 * 1024
    max_record_bytes: int = 4 * 1024 * 1024
    max_gzip_ratio: int = 200
    gzip_ratio_grace_bytes: int = 64 * 1024 * 1024
    chunk_bytes: int = 64 * 1024
    parquet_batch_rows: int = 2_048


@dataclass(frozen=True)
class ImportRow:
    """One mapped row, ready for the ingest service (fields and limits as FeedbackCreate)."""

    text: str
    source: str
    external_id: str
    received_at: datetime | None = None
    account_id: str | None = None
    account_name: str | None = None
    arr: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    row_number: int = 0

    def as_payload(self) -> dict[str, Any]:
        """The keyword fields FeedbackCreate takes."""
        return {
            "text": self.text,
            "source": self.source,
            "external_id": self.external_id,
            "received_at": self.received_at,
            "account_id": self.account_id,
            "account_name": self.account_name,
            "arr": self.arr,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class Quarantined:
    """A row that could not be imported, with where it was and why."""

    file: str
    row_number: int
    reason: str
    message: str
    raw: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown quarantine reason {self.reason!r}")


def preview(raw: str) -> str:
    """The raw row as stored in quarantine; cut so one bad row cannot fill the disk."""
    if len(raw) <= RAW_PREVIEW_CHARS:
        return raw
    return raw[:RAW_PREVIEW_CHARS] + f"… [{len(raw) - RAW_PREVIEW_CHARS} more characters]"


def stable_id(*, source: str, text: str, received_at: datetime | None) -> str:
    """A content-derived external id, so re-importing an item without an id is idempotent."""
    normalised = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    day = received_at.date().isoformat() if received_at else ""
    digest = hashlib.sha256(f"{source}\x1f{normalised}\x1f{day}".encode()).hexdigest()
    return f"sha256:{digest[:40]}"
