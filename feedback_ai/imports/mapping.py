"""Column mapping: which columns make the text, id, date, account and metadata of an imported item."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.rows import (
    BAD_DATE,
    BAD_VALUE,
    MISSING_TEXT,
    TEXT_TOO_LONG,
    ImportFormatError,
    ImportRow,
    Limits,
    Quarantined,
    preview,
    stable_id,
)
from feedback_ai.imports.values import clean_text, lookup, parse_amount, parse_date

SOURCES = ("support_ticket", "sales_note", "app_review", "survey", "other")
MAX_SHORT = 255
MAX_METADATA_BYTES = 16_384


@dataclass(frozen=True)
class ColumnMapping:
    """The same keys as the CLI flags and a mapping file; columns may be dotted JSON paths."""

    text_columns: tuple[str, ...]
    source: str = "other"
    id_column: str | None = None
    id_prefix: str = ""
    date_column: str | None = None
    date_format: str | None = None
    account_column: str | None = None
    account_name_column: str | None = None
    arr_column: str | None = None
    metadata_columns: tuple[str, ...] = ()
    text_separator: str = "\n\n"

    def __post_init__(self) -> None:
        if not self.text_columns:
            raise ImportFormatError("the mapping needs at least one text column")
        if self.source not in SOURCES:
            raise ImportFormatError(f"source must be one of {', '.join(SOURCES)}")

    def required_columns(self) -> tuple[str, ...]:
        """Top-level columns a tabular header must hold for this mapping."""
        named = (self.id_column, self.date_column, self.account_column)
        columns = (*self.text_columns, *(c for c in named if c))
        return tuple(dict.fromkeys(c.split(".")[0] for c in columns))


def load_mapping(path: Path, **overrides: Any) -> ColumnMapping:
    """A mapping from a YAML or JSON file; flags given as overrides win over the file."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, json.JSONDecodeError) as error:
        raise ImportFormatError(f"{path.name}: cannot read the mapping ({error})") from error
    if not isinstance(loaded, dict):
        raise ImportFormatError(f"{path.name}: a mapping file holds one object of keys")
    return mapping_from(loaded | {k: v for k, v in overrides.items() if v is not None})


def mapping_from(values: dict[str, Any]) -> ColumnMapping:
    """A mapping from plain keys (file or flags); a single text column may be a string."""
    known = {f.name for f in fields(ColumnMapping)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ImportFormatError(f"unknown mapping keys: {', '.join(unknown)}")
    values = dict(values)
    for key in ("text_columns", "metadata_columns"):
        if isinstance(values.get(key), str):
            values[key] = (values[key],)
        values[key] = tuple(values.get(key) or ())
    return ColumnMapping(**values)


def map_record(
    record: RawRecord, *, mapping: ColumnMapping, file: str, limits: Limits
) -> ImportRow | Quarantined:
    """An ImportRow from one raw record, or the reason it goes to quarantine."""

    def bad(reason: str, message: str) -> Quarantined:
        return Quarantined(file, record.row_number, reason, message, preview(record.raw))

    if record.data is None:
        return bad(record.reason or BAD_VALUE, record.message or "unreadable row")
    data = record.data
    parts = [clean_text(lookup(data, column)) for column in mapping.text_columns]
    text = mapping.text_separator.join(part for part in parts if part)
    if not text.strip():
        return bad(MISSING_TEXT, f"no text in {', '.join(mapping.text_columns)}")
    if len(text) > limits.max_text_chars:
        return bad(TEXT_TOO_LONG, f"{len(text)} characters, more than {limits.max_text_chars}")
    try:
        received_at = (
            parse_date(lookup(data, mapping.date_column), date_format=mapping.date_format)
            if mapping.date_column
            else None
        )
    except ValueError as error:
        return bad(BAD_DATE, f"{mapping.date_column}: {error}")
    try:
        arr = parse_amount(lookup(data, mapping.arr_column)) if mapping.arr_column else None
    except ValueError as error:
        return bad(BAD_VALUE, f"{mapping.arr_column}: {error}")
    metadata = {
        _metadata_key(column): _json_safe(value)
        for column in mapping.metadata_columns
        if (value := lookup(data, column)) not in (None, "", [])
    }
    short = {
        "account_id": _short(data, mapping.account_column),
        "account_name": _short(data, mapping.account_name_column),
    }
    given = _short(data, mapping.id_column)
    external_id = (
        f"{mapping.id_prefix}{given}"
        if given
        else stable_id(source=mapping.source, text=text, received_at=received_at)
    )
    for name, value in (*short.items(), ("external_id", external_id)):
        if value is not None and len(value) > MAX_SHORT:
            return bad(BAD_VALUE, f"{name} is longer than {MAX_SHORT} characters")
    problem = _storable(text, metadata)
    if problem:
        return bad(BAD_VALUE, problem)
    return ImportRow(
        text=text,
        source=mapping.source,
        external_id=external_id,
        received_at=received_at,
        arr=arr,
        metadata=metadata,
        row_number=record.row_number,
        **short,
    )


def _metadata_key(column: str) -> str:
    """`attributes.rating` is stored as `rating`, `_tags` as `tags`, `Star Rating` as `star_rating`."""
    return "_".join(column.rsplit(".", 1)[-1].lstrip("_").lower().split())


def _json_safe(value: Any) -> Any:
    """Dates and other non-JSON values (from Parquet) as text."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _short(data: dict[str, Any], column: str | None) -> str | None:
    """A short identifier-like value, or None."""
    return (clean_text(lookup(data, column)) or None) if column else None


def _storable(text: str, metadata: dict[str, Any]) -> str | None:
    """Why the database could not store this faithfully (NUL bytes, lone surrogates, huge metadata)."""
    encoded = json.dumps(metadata, ensure_ascii=False, default=str)
    for label, value in (("text", text), ("metadata", encoded)):
        if "\x00" in value:
            return f"{label} contains a NUL byte"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{label} contains a lone surrogate"
    if len(encoded.encode("utf-8")) > MAX_METADATA_BYTES:
        return f"metadata is larger than {MAX_METADATA_BYTES} bytes as JSON"
    return None
