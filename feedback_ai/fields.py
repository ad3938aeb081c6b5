"""Reusable, strict field types for request bodies and query parameters."""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, Field

from feedback_ai.ml.themes.taxonomy import THEME_ID_PATTERN

ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
MIN_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(2100, 1, 1, tzinfo=UTC)
MAX_METADATA_BYTES = 16_384
MAX_METADATA_DEPTH = 5


def check_text(value: str) -> str:
    """Refuse NUL bytes and lone surrogates, which no database stores faithfully."""
    if "\x00" in value:
        raise ValueError(f"contains a NUL byte at position {value.index(chr(0))}; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"is not valid UTF-8 (lone surrogate at position {e.start})") from e
    return value


def _invisible(ch: str) -> bool:
    # Whitespace, and the characters normalisation drops: controls, zero-width and other format
    # characters (U+200B, U+FEFF...), unassigned and private-use code points.
    return ch.isspace() or unicodedata.category(ch)[0] == "C"


def check_not_blank(value: str) -> str:
    """Refuse empty text and text of only whitespace, control or zero-width characters."""
    if all(_invisible(ch) for ch in value):
        raise ValueError(
            "must not be empty or hold only whitespace, control or zero-width characters"
        )
    return value


def check_datetime(value: datetime) -> datetime:
    """Make aware (naive means UTC) and keep within 1970..2100."""
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as e:
        raise ValueError("is out of range; use a date between 1970 and 2100") from e
    if not MIN_DATETIME <= value < MAX_DATETIME:
        raise ValueError("is out of range; use a date between 1970 and 2100")
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"is nested deeper than {MAX_METADATA_DEPTH} levels")
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("holds NaN or Infinity, which JSON cannot store")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form JSON object, bounded in size and depth, storable everywhere."""
    _check_json(value, 1)
    if len(json.dumps(value, ensure_ascii=False).encode("utf-8")) > MAX_METADATA_BYTES:
        raise ValueError(f"is larger than {MAX_METADATA_BYTES} bytes as JSON")
    return value


CleanStr = Annotated[str, AfterValidator(check_text)]
Text = Annotated[str, AfterValidator(check_text), AfterValidator(check_not_blank)]
UtcDatetime = Annotated[datetime, AfterValidator(check_datetime)]
Metadata = Annotated[dict[str, Any], AfterValidator(check_metadata)]
# One rule for theme ids everywhere: the taxonomy loader's (ids are permanent).
ThemeId = Annotated[str, Field(max_length=64, pattern=THEME_ID_PATTERN)]
IdPath = Annotated[str, Path(pattern=ID_PATTERN, examples=["0193a0f4-7c1e-7abc-8def-0123456789ab"])]
