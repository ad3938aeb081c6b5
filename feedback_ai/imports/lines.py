"""Bounded line reading: split bytes on newlines of any encoding without ever holding a huge line."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from feedback_ai.imports.rows import Limits
from feedback_ai.imports.streams import sniff_encoding


@dataclass(frozen=True)
class RawLine:
    """One physical line: its number, decoded text (None if it failed) and what went wrong."""

    number: int
    text: str | None
    problem: str | None = None  # "too_long" or "bad_encoding"
    preview: str = ""


def text_lines(stream: io.BufferedReader, *, limits: Limits) -> Iterator[RawLine]:
    """The stream's lines in the encoding its BOM names, each bounded by `limits`."""
    codec, newline, unit = sniff_encoding(stream)
    return iter_lines(
        stream,
        codec=codec,
        newline=newline,
        unit=unit,
        max_line_bytes=limits.max_line_bytes,
        chunk_bytes=limits.chunk_bytes,
    )


def iter_lines(
    stream: io.BufferedReader,
    *,
    codec: str,
    newline: bytes,
    unit: int,
    max_line_bytes: int,
    chunk_bytes: int = 64 * 1024,
) -> Iterator[RawLine]:
    """Yield each line decoded (without its terminator); a line over the bound is skipped unread."""
    buffer = bytearray()
    number = 0
    skipping = False  # inside an over-long line: drop bytes until its newline
    skipped = 0
    while True:
        chunk = stream.read(chunk_bytes)
        if chunk:
            buffer += chunk
        start = 0
        while True:
            end = _find_newline(buffer, newline, unit, start)
            if end < 0:
                break
            if skipping:
                number += 1
                yield RawLine(number, None, "too_long", _overlong(skipped + end - start))
                skipping, skipped = False, 0
            elif end - start > max_line_bytes:
                number += 1
                yield RawLine(number, None, "too_long", _overlong(end - start))
            else:
                number += 1
                yield _decode(number, bytes(buffer[start:end]), codec)
            start = end + len(newline)
        del buffer[:start]
        if len(buffer) > max_line_bytes:
            # Keep the last code unit boundary so a newline split across chunks is still found.
            keep = len(buffer) % unit
            skipped += len(buffer) - keep
            skipping = True
            del buffer[: len(buffer) - keep]
        if not chunk:
            break
    if skipping:
        number += 1
        yield RawLine(number, None, "too_long", _overlong(skipped + len(buffer)))
    elif buffer:
        number += 1
        yield _decode(number, bytes(buffer), codec)


def _find_newline(buffer: bytearray, newline: bytes, unit: int, start: int) -> int:
    """Index of the next newline that sits on a code unit boundary, or -1."""
    position = buffer.find(newline, start)
    while position >= 0 and (position - start) % unit:
        position = buffer.find(newline, position + 1)
    return position


def _decode(number: int, data: bytes, codec: str) -> RawLine:
    """Decode one line strictly; a failure is reported, with a readable preview of the bytes."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        shown = data[:2_000].decode(codec, errors="backslashreplace")
        return RawLine(
            number, None, "bad_encoding", f"{error.reason} at byte {error.start}: {shown}"
        )
    return RawLine(number, text.removesuffix("\r"), None, "")


def _overlong(size: int) -> str:
    """The preview kept for a line too long to read."""
    return f"<line of {size} bytes, not read>"
