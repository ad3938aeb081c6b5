"""Parsing the values of export columns: dates in the shapes exports use, amounts, and plain text."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

MIN_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(2100, 1, 1, tzinfo=UTC)
# Formats seen in exports beyond ISO 8601; day-first formats only when a mapping names them.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d %b %Y",
    "%b %d, %Y",
)
_AMOUNT_JUNK = re.compile(r"[\s,$€£¥]|USD|EUR|GBP")


def parse_date(value: Any, *, date_format: str | None = None) -> datetime | None:
    """An aware UTC datetime from ISO text, a known format or epoch seconds/millis; ValueError if not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(float(value))
    else:
        parsed = _from_text(str(value).strip(), date_format)
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if not MIN_DATETIME <= parsed < MAX_DATETIME:
        raise ValueError(f"{value!r} is outside 1970..2100")
    return parsed


def _from_epoch(number: float) -> datetime:
    """Seconds, or milliseconds when the number is too large to be seconds (after 2100)."""
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a date")
    if abs(number) >= 4_102_444_800:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise ValueError(f"{number} is not a date") from error


def _from_text(text: str, date_format: str | None) -> datetime:
    """Parse one textual date, trying the mapping's format first."""
    if date_format:
        return datetime.strptime(text, date_format)
    if re.fullmatch(r"-?\d{9,14}(\.\d+)?", text):
        return _from_epoch(float(text))
    try:
        return datetime.fromisoformat(text.replace(" UTC", "+00:00"))
    except ValueError:
        pass
    for candidate in DATE_FORMATS:
        try:
            return datetime.strptime(text, candidate)
        except ValueError:
            continue
    raise ValueError(f"{text[:80]!r} is not a date this importer knows; give date_format")


def parse_amount(value: Any) -> float | None:
    """A non-negative amount from a number or text such as '$48,000.00'; ValueError if not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    number = float(value) if isinstance(value, int | float) else float(_AMOUNT_JUNK.sub("", value))
    if not math.isfinite(number) or not 0 <= number <= 1e11:
        raise ValueError(f"{value!r} is not an amount between 0 and 1e11")
    return number


def clean_text(value: Any) -> str:
    """A column value as text; None and empty become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else str(value)


def lookup(record: dict[str, Any], path: str) -> Any:
    """A value by column name, or by dotted path into nested JSON (`attributes.body`)."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
