"""Reusable, strict field types for validated input (HTTP bodies, imports); no web framework."""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from feedback_ai.ml.themes.taxonomy import THEME_ID_PATTERN

ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
MIN_YEAR, MAX_YEAR = 1970, 2099
# The year as written, whatever the offset: the schema can state it, and every database stores it.
DATETIME_PATTERN = r"^(19[7-9][0-9]|20[0-9][0-9])-"
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
    # Whitespace, control characters and format characters (zero-width space and joiners, BOM,
    # bidi marks...): what renders as nothing.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def _escape(ch: str) -> str:
    # \uXXXX reads the same in Python and ECMAScript regexes; astral characters stay literal.
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else ch


def _class_of(chars: list[str]) -> str:
    """A regex character class body for `chars`, as ranges of consecutive code points."""
    out, i = [], 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        first, last = _escape(chars[i]), _escape(chars[j])
        out.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(out)


_INVISIBLE = [chr(c) for c in range(sys.maxunicode + 1) if _invisible(chr(c))]
# The JSON schema of `Text`: no NUL, and at least one character that is not invisible. Only
# documents check_text + check_not_blank (the validators that run), for clients and fuzzers.
NO_NUL_PATTERN = r"^[^\x00]*$"
TEXT_PATTERN = rf"^[^\x00]*[^{_class_of(_INVISIBLE)}][^\x00]*$"


def check_not_blank(value: str) -> str:
    """Refuse empty text and text of only whitespace, control or zero-width characters."""
    if all(_invisible(ch) for ch in value):
        raise ValueError(
            "must not be empty or hold only whitespace, control or zero-width characters"
        )
    return value


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def only_date_strings(value: Any) -> Any:
    """Refuse numbers and numeric strings, which pydantic would read as Unix timestamps."""
    if isinstance(value, datetime) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 date-time string, e.g. 2026-11-20T09:30:00Z")


def check_datetime(value: datetime) -> datetime:
    """Keep years 1970..2099 as written (what DATETIME_PATTERN says); make aware, in UTC."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"is out of range; use a date between {MIN_YEAR} and {MAX_YEAR}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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


CleanStr = Annotated[
    str, AfterValidator(check_text), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
]
Text = Annotated[
    str,
    AfterValidator(check_text),
    AfterValidator(check_not_blank),
    Field(min_length=1, json_schema_extra={"pattern": TEXT_PATTERN}),
]
UtcDatetime = Annotated[
    datetime,
    BeforeValidator(only_date_strings),
    AfterValidator(check_datetime),
    Field(json_schema_extra={"pattern": DATETIME_PATTERN}),
]
Metadata = Annotated[dict[str, Any], AfterValidator(check_metadata)]
# One rule for theme ids everywhere: the taxonomy loader's (ids are permanent).
ThemeId = Annotated[str, Field(max_length=64, pattern=THEME_ID_PATTERN)]


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'items', 3, 'text') -> 'items[3].text'; query and path keep their name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"
