"""Streaming JSON records: JSON Lines line by line, and array or object exports incrementally."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from typing import Any

import ijson

from feedback_ai.imports.lines import text_lines
from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.rows import (
    BAD_ENCODING,
    LINE_TOO_LONG,
    UNPARSEABLE,
    ImportFormatError,
    Limits,
)
from feedback_ai.imports.streams import sniff_encoding

# Keys of a top-level object whose array holds the records (JSON:API `data`, Intercom lists...).
ARRAY_KEYS = ("data", "conversations", "tickets", "reviews", "items", "results", "records")
PROBLEM_REASONS = {"too_long": LINE_TOO_LONG, "bad_encoding": BAD_ENCODING}


def read_jsonl(stream: io.BufferedReader, *, name: str, limits: Limits) -> Iterator[RawRecord]:
    """Yield one record per non-blank line; a line that is not a JSON object is quarantined."""
    lines = text_lines(stream, limits=limits)
    for line in lines:
        if line.text is None:
            yield RawRecord(line.number, None, line.preview, PROBLEM_REASONS[line.problem or ""])
            continue
        if not line.text.strip():
            continue
        try:
            value = json.loads(line.text)
        except ValueError as error:
            yield RawRecord(line.number, None, line.text, UNPARSEABLE, f"JSON: {error}")
            continue
        if not isinstance(value, dict):
            message = f"expected a JSON object, got {type(value).__name__}"
            yield RawRecord(line.number, None, line.text, UNPARSEABLE, message)
            continue
        yield RawRecord(line.number, value, line.text)


class _Counted:
    """UTF-8 bytes for the parser, counted so that one record cannot grow without bound."""

    def __init__(self, stream: io.BufferedReader, codec: str, *, name: str, limits: Limits) -> None:
        self._stream, self._name, self._limits = stream, name, limits
        self._decoder = None if codec == "utf-8" else codecs.getincrementaldecoder(codec)()
        self.since_record = 0
        self.blank = True  # nothing but whitespace read so far

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes the type with read(0)
        data = self._stream.read(size if size > 0 else 64 * 1024)
        if self._decoder is not None:
            data = self._decoder.decode(data, final=not data).encode("utf-8")
        self.since_record += len(data)
        self.blank = self.blank and not data.strip()
        # Checked as bytes arrive, since the parser holds a whole string before emitting it.
        if self.since_record > self._limits.max_record_bytes + self._limits.chunk_bytes:
            raise ImportFormatError(
                f"{self._name}: a record is larger than {self._limits.max_record_bytes} bytes; "
                "raise the limit or split the file"
            )
        return data


def read_json(
    stream: io.BufferedReader,
    *,
    name: str,
    limits: Limits,
    array_keys: tuple[str, ...] = ARRAY_KEYS,
) -> Iterator[RawRecord]:
    """Yield the elements of a top-level array, of an object's records array, or the one object."""
    codec, _newline, _unit = sniff_encoding(stream)
    source = _Counted(stream, codec, name=name, limits=limits)
    events = ijson.parse(source, use_float=True, buf_size=limits.chunk_bytes)
    try:
        yield from _records(events, source, name=name, limits=limits, array_keys=array_keys)
    except ijson.JSONError as error:
        if source.blank:
            raise ImportFormatError(f"{name}: the file is empty") from error
        raise ImportFormatError(f"{name}: not valid JSON ({error})") from error
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"{name}: not valid {codec} ({error.reason})") from error


def _records(events, source: _Counted, *, name, limits, array_keys) -> Iterator[RawRecord]:  # type: ignore[no-untyped-def]
    """Walk parser events, building one record at a time."""
    first = next(events, None)
    if first is None:
        raise ImportFormatError(f"{name}: the file is empty")
    if first[1] == "start_array":
        yield from _elements(events, source, "item", name=name, limits=limits)
        return
    if first[1] != "start_map":
        raise ImportFormatError(f"{name}: expected a JSON array or object, got {first[1]}")
    top: dict[str, Any] = {}
    found = False
    for prefix, event, value in events:
        if event == "map_key" and prefix == "":
            key = value
            nxt = next(events)
            if nxt[1] == "start_array" and key in array_keys and not found:
                found = True
                yield from _elements(events, source, f"{key}.item", name=name, limits=limits)
            else:
                top[key] = _build(nxt, events)
        elif event == "end_map" and prefix == "":
            break
    if not found:
        yield RawRecord(1, top, json.dumps(top, default=str)[:4_000])


def _elements(events, source: _Counted, prefix: str, *, name, limits) -> Iterator[RawRecord]:  # type: ignore[no-untyped-def]
    """Each element of the array at `prefix`, numbered from 1; non-objects are quarantined."""
    array_prefix = prefix.removesuffix("item").removesuffix(".")
    source.since_record = 0
    for number, event in enumerate(events, start=1):
        if event[1] == "end_array" and event[0] == array_prefix:
            return
        value = _build(event, events)
        source.since_record = 0
        raw = json.dumps(value, default=str)
        if not isinstance(value, dict):
            yield RawRecord(number, None, raw, UNPARSEABLE, "expected a JSON object")
        else:
            yield RawRecord(number, value, raw)


def _build(first, events) -> Any:  # type: ignore[no-untyped-def]
    """One JSON value from its events."""
    builder = ijson.ObjectBuilder()
    builder.event(first[1], first[2])
    depth = 1 if first[1] in ("start_map", "start_array") else 0
    while depth:
        _prefix, event, value = next(events)
        builder.event(event, value)
        depth += event in ("start_map", "start_array")
        depth -= event in ("end_map", "end_array")
    return builder.value
