"""Opening import files: gzip by magic bytes, a zip-bomb guard, and the text encoding from the BOM."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from feedback_ai.imports.rows import ImportFormatError, Limits

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
# (BOM, codec, newline as bytes, code unit size); UTF-32 is not a format any export uses.
BOMS = (
    (codecs.BOM_UTF8, "utf-8", b"\n", 1),
    (codecs.BOM_UTF16_LE, "utf-16-le", b"\n\x00", 2),
    (codecs.BOM_UTF16_BE, "utf-16-be", b"\x00\n", 2),
)


class RatioGuard(io.RawIOBase):
    """Counts decompressed bytes and stops when they outgrow the compressed ones (a zip bomb)."""

    def __init__(self, inner: gzip.GzipFile, raw: BinaryIO, *, name: str, limits: Limits) -> None:
        self._inner, self._raw, self._name, self._limits = inner, raw, name, limits
        self.decompressed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._inner.read(len(buffer))
        self.decompressed += len(data)
        allowed = self._raw.tell() * self._limits.max_gzip_ratio
        if self.decompressed > max(allowed, self._limits.gzip_ratio_grace_bytes):
            raise ImportFormatError(
                f"{self._name}: gzip expands more than {self._limits.max_gzip_ratio}x "
                f"({self.decompressed} bytes from {self._raw.tell()}); refusing a likely zip bomb"
            )
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_binary(path: Path, *, limits: Limits) -> Iterator[io.BufferedReader]:
    """The decompressed bytes of a file; gzip is detected by its magic bytes, not its name."""
    raw = path.open("rb")
    try:
        magic = raw.read(2)
        raw.seek(0)
        if magic == GZIP_MAGIC:
            inner = gzip.GzipFile(fileobj=raw, mode="rb")
            guard = RatioGuard(inner, raw, name=path.name, limits=limits)
            yield io.BufferedReader(guard, buffer_size=limits.chunk_bytes)
        else:
            yield io.BufferedReader(raw, buffer_size=limits.chunk_bytes)  # type: ignore[arg-type]
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ImportFormatError(f"{path.name}: damaged gzip data ({error})") from error
    finally:
        raw.close()


def sniff_encoding(stream: io.BufferedReader) -> tuple[str, bytes, int]:
    """(codec, newline bytes, code unit) from the BOM, consuming it; UTF-8 when there is none."""
    head = stream.peek(4)[:4]
    for bom, codec, newline, unit in BOMS:
        if head.startswith(bom):
            stream.read(len(bom))
            return codec, newline, unit
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return "utf-16-le", b"\n\x00", 2  # UTF-16 without a BOM: ASCII text shows as X\0
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be", b"\x00\n", 2
    return "utf-8", b"\n", 1


def is_parquet(path: Path) -> bool:
    """Whether the file starts with Parquet's magic bytes."""
    with path.open("rb") as handle:
        return handle.read(4) == PARQUET_MAGIC
