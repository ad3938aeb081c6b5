"""Streaming Parquet records, one record batch at a time (gzip-wrapped Parquet is spooled to disk)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.rows import ImportFormatError, Limits
from feedback_ai.imports.streams import GZIP_MAGIC, open_binary


def read_parquet(path: Path, *, name: str, limits: Limits) -> Iterator[RawRecord]:
    """Yield one record per Parquet row, reading `parquet_batch_rows` rows at a time."""
    with path.open("rb") as handle:
        gzipped = handle.read(2) == GZIP_MAGIC
    if not gzipped:
        yield from _batches(path, name=name, limits=limits)
        return
    # Parquet needs random access to its footer, so a .parquet.gz is decompressed (guarded) first.
    with tempfile.TemporaryDirectory(prefix="feedback-ai-import-") as folder:
        plain = Path(folder) / "data.parquet"
        with open_binary(path, limits=limits) as stream, plain.open("wb") as out:
            shutil.copyfileobj(stream, out, limits.chunk_bytes)
        yield from _batches(plain, name=name, limits=limits)


def _batches(path: Path, *, name: str, limits: Limits) -> Iterator[RawRecord]:
    """Records from a plain Parquet file."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise ImportFormatError(f"{name}: not a readable Parquet file ({error})") from error
    number = 0
    for batch in parquet.iter_batches(batch_size=limits.parquet_batch_rows):
        for row in batch.to_pylist():
            number += 1
            yield RawRecord(number, row, json.dumps(row, default=str)[:4_000])
