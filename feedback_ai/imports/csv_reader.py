"""Streaming CSV records: bounded lines, any newline style, BOM-detected encoding, strict columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from feedback_ai.imports.lines import RawLine, text_lines
from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.rows import (
    BAD_ENCODING,
    LINE_TOO_LONG,
    UNPARSEABLE,
    WRONG_COLUMN_COUNT,
    ImportFormatError,
    Limits,
)

PROBLEM_REASONS = {"too_long": LINE_TOO_LONG, "bad_encoding": BAD_ENCODING}


class _LineFeed:
    """Feeds decoded lines to csv.reader and remembers the physical lines each record used."""

    def __init__(self, lines: Iterator[RawLine]) -> None:
        self._lines = lines
        self._pending: list[RawLine] = []
        self.used: list[RawLine] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = self._pending.pop() if self._pending else next(self._lines)
        if line.text is not None and "\r" in line.text:
            # Old Mac endings (a lone CR) end lines too, so files with mixed endings parse row by row.
            pieces = line.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self._pending = [RawLine(line.number, piece) for piece in reversed(pieces)]
            line = self._pending.pop()
        self.used.append(line)
        if line.text is None:
            return "\n"  # a placeholder; the record is quarantined by the line's problem
        return line.text + "\n"


def read_csv(
    stream: io.BufferedReader,
    *,
    name: str,
    limits: Limits,
    delimiter: str = ",",
    required: tuple[str, ...] = (),
) -> Iterator[RawRecord]:
    """Yield one record per CSV row, keyed by the header; bad rows carry their reason."""
    lines = text_lines(stream, limits=limits)
    feed = _LineFeed(lines)
    csv.field_size_limit(limits.max_record_bytes)
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    header = _read_header(reader, feed, name=name)
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFormatError(
            f"{name}: the header lacks {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(repr, header[:30]))}. Is this the right preset or mapping?"
        )
    feed.used.clear()
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield _bad(feed, UNPARSEABLE, f"CSV: {error}")
            continue
        record = _record(feed, header, fields)
        if record is not None:
            yield record


def _read_header(reader, feed: _LineFeed, *, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The header row, stripped; a file without one is a format error."""
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(f"{name}: the file is empty (no header row)") from None
    except csv.Error as error:
        raise ImportFormatError(f"{name}: the header row cannot be parsed ({error})") from error
    if any(line.problem for line in feed.used):
        raise ImportFormatError(f"{name}: the header row cannot be read ({feed.used[0].preview})")
    header = [column.strip() for column in header]
    if not any(header):
        raise ImportFormatError(f"{name}: the header row is blank")
    return header


def _record(feed: _LineFeed, header: list[str], fields: list[str]) -> RawRecord | None:
    """A record from a parsed row, or a quarantine record; None for a blank line."""
    problems = [line for line in feed.used if line.problem]
    if problems:
        return _bad(feed, PROBLEM_REASONS[problems[0].problem or ""], problems[0].preview)
    if not fields or fields == [""]:
        feed.used.clear()  # a blank line is not a row
        return None
    if len(fields) != len(header):
        message = f"{len(fields)} columns where the header has {len(header)}"
        return _bad(feed, WRONG_COLUMN_COUNT, message)
    number = feed.used[0].number if feed.used else 0
    raw = "\n".join(line.text or "" for line in feed.used)
    feed.used.clear()
    return RawRecord(number, dict(zip(header, fields, strict=True)), raw)


def _bad(feed: _LineFeed, reason: str, message: str) -> RawRecord:
    """A quarantine record covering the lines consumed since the last record."""
    number = feed.used[0].number if feed.used else 0
    raw = "\n".join(line.text if line.text is not None else line.preview for line in feed.used)
    feed.used.clear()
    return RawRecord(number, None, raw, reason, message)
