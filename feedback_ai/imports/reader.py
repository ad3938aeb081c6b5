"""The entry point of the reading layer: a file in, mapped rows and quarantined rows out, counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedback_ai.imports.csv_reader import read_csv
from feedback_ai.imports.json_reader import read_json, read_jsonl
from feedback_ai.imports.mapping import ColumnMapping, map_record
from feedback_ai.imports.parquet_reader import read_parquet
from feedback_ai.imports.presets import get_preset
from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.rows import ImportFormatError, ImportRow, Limits, Quarantined
from feedback_ai.imports.streams import is_parquet, open_binary

DEFAULT_LIMITS = Limits()
FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass
class ReadStats:
    """What was read: every row read is either yielded or quarantined."""

    read: int = 0
    yielded: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def detect_format(path: Path) -> str:
    """The format from the name (ignoring .gz/.gzip) or the Parquet magic bytes."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".gzip")]
    if suffixes and suffixes[-1] in EXTENSIONS:
        return EXTENSIONS[suffixes[-1]]
    if is_parquet(path):
        return "parquet"
    raise ImportFormatError(
        f"{path.name}: cannot tell the format; give one of {', '.join(FORMATS)}"
    )


def read_records(
    path: Path,
    *,
    fmt: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    required: tuple[str, ...] = (),
) -> Iterator[RawRecord]:
    """Raw records of a file, streamed; `required` columns are checked against a CSV header."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if path.stat().st_size == 0:
        raise ImportFormatError(f"{path.name}: the file is empty")
    if fmt == "parquet":
        yield from read_parquet(path, name=path.name, limits=limits)
        return
    if fmt == "jsonl":
        yield from _not_empty(_jsonl(path, limits=limits), name=path.name)
        return
    with open_binary(path, limits=limits) as stream:
        if fmt in ("csv", "tsv"):
            delimiter = "\t" if fmt == "tsv" else ","
            yield from read_csv(
                stream, name=path.name, limits=limits, delimiter=delimiter, required=required
            )
        else:
            yield from read_json(stream, name=path.name, limits=limits)


def _jsonl(path: Path, *, limits: Limits) -> Iterator[RawRecord]:
    """JSON Lines records of a plain or gzip file."""
    with open_binary(path, limits=limits) as stream:
        yield from read_jsonl(stream, name=path.name, limits=limits)


def _not_empty(records: Iterator[RawRecord], *, name: str) -> Iterator[RawRecord]:
    """The records, or a clear error when there are none (only blank lines, or empty once unzipped)."""
    empty = True
    for record in records:
        empty = False
        yield record
    if empty:
        raise ImportFormatError(f"{name}: the file is empty (no records)")


def read_rows(
    path: Path,
    *,
    preset: str | None = None,
    mapping: ColumnMapping | None = None,
    fmt: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    stats: ReadStats | None = None,
) -> Iterator[ImportRow | Quarantined]:
    """Mapped rows and quarantined rows of one file, in file order; a preset or a mapping is needed."""
    if preset is None and mapping is None:
        raise ImportFormatError("give a preset or a column mapping")
    chosen = get_preset(preset) if preset else None
    active = mapping or chosen.mapping  # type: ignore[union-attr]
    required = chosen.required if chosen and mapping is None else active.required_columns()
    transform = chosen.transform if chosen else None
    stats = stats if stats is not None else ReadStats()
    records = read_records(
        path, fmt=fmt or (chosen.format if chosen else None), limits=limits, required=required
    )
    for record in records:
        if transform is not None and record.data is not None:
            record = RawRecord(record.row_number, transform(record.data), record.raw)
        row = map_record(record, mapping=active, file=path.name, limits=limits)
        stats.read += 1
        if isinstance(row, Quarantined):
            stats.quarantined += 1
            stats.reasons[row.reason] += 1
        else:
            stats.yielded += 1
        yield row
