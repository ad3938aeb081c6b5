"""An import file as chunks: items to ingest and rows for quarantine, each with its row number."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from feedback_ai.feedback.items import FeedbackCreate, ItemError, validate_item
from feedback_ai.imports import ImportRow, Quarantined, mapping_from, read_rows
from feedback_ai.imports.rows import BAD_VALUE, TEXT_TOO_LONG, preview

CONFLICT = "conflict"


@dataclass
class Chunk:
    """Consecutive rows of a file: every row read is in `items` or in `quarantine`."""

    read: int = 0
    items: list[FeedbackCreate] = field(default_factory=list)
    origins: list[tuple[int, str]] = field(default_factory=list)  # (row number, raw) per item
    quarantine: list[dict[str, Any]] = field(default_factory=list)


def options_rows(path: Path, options: dict[str, Any]) -> Iterator[ImportRow | Quarantined]:
    """The rows of a job's file, read as its stored options say."""
    mapping = options.get("mapping")
    return read_rows(
        path,
        preset=options.get("preset"),
        mapping=mapping_from(mapping) if mapping else None,
        fmt=options.get("format"),
    )


def quarantine_row(file: str, row_number: int, reason: str, message: str, raw: str) -> dict:
    """The column values of one quarantined row."""
    return {"file": file[:255], "row_number": row_number, "reason": reason,
            "message": message, "raw": preview(raw)}  # fmt: skip


def _reason(error: ItemError) -> str:
    too_long = any(e.type == "string_too_long" and e.field == "text" for e in error.errors)
    return TEXT_TOO_LONG if too_long else BAD_VALUE


def _detail(error: ItemError) -> str:
    parts = [f"{e.field}: {e.message}" for e in error.errors]
    return error.message + (f" ({'; '.join(parts)})" if parts else "")


def chunked(
    rows: Iterable[ImportRow | Quarantined],
    *,
    file: str,
    size: int,
    skip: int = 0,
    max_text_chars: int,
) -> Iterator[Chunk]:
    """Chunks of `size` rows, after the `skip` rows a previous run committed."""
    stream = iter(rows)
    for _ in islice(stream, skip):
        pass  # read again but not stored again: the checkpoint counted them
    while True:
        chunk = Chunk()
        for row in islice(stream, size):
            chunk.read += 1
            if isinstance(row, Quarantined):
                chunk.quarantine.append(
                    quarantine_row(row.file, row.row_number, row.reason, row.message, row.raw)
                )
                continue
            payload = row.as_payload()
            item, _ = validate_item(payload, max_text_chars=max_text_chars)
            raw = json.dumps(payload, default=str, ensure_ascii=False)
            if isinstance(item, ItemError):
                chunk.quarantine.append(
                    quarantine_row(file, row.row_number, _reason(item), _detail(item), raw)
                )
            else:
                chunk.items.append(item)
                chunk.origins.append((row.row_number, raw))
        if chunk.read == 0:
            return
        yield chunk
