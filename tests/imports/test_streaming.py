"""Readers stream: memory stays bounded on large files, and every format reads plain or gzip."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feedback_ai.imports import ImportRow, Limits, ReadStats, mapping_from, read_rows

MAPPING = mapping_from(
    {
        "text_columns": ["subject", "body"],
        "id_column": "id",
        "date_column": "created",
        "account_name_column": "account",
        "arr_column": "arr",
        "metadata_columns": ["score"],
        "source": "support_ticket",
    }
)
ROWS = [
    {"id": f"t{n}", "subject": f"Subject {n}", "body": f"Body {n}, please add exports.",
     "created": "2025-01-02T03:04:05Z", "account": "Northwind", "arr": n * 10.0, "score": n % 10}
    for n in range(1, 6)
]  # fmt: skip


def write(path: Path, fmt: str, rows: list[dict]) -> None:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        data = buffer.getvalue().encode()
    elif fmt == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    else:
        data = json.dumps({"data": rows, "links": {}}).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("gz", [False, True])
def test_every_text_format_plain_or_gzip(tmp_path, fmt, gz):
    path = tmp_path / (f"t.{fmt}" + (".gz" if gz else ""))
    write(path, fmt, ROWS)
    rows = list(read_rows(path, mapping=MAPPING))
    assert [r.external_id for r in rows] == [f"t{n}" for n in range(1, 6)]
    assert rows[0].text == "Subject 1\n\nBody 1, please add exports."
    assert (rows[1].account_name, rows[1].arr) == ("Northwind", 20.0)
    assert rows[2].metadata["score"] in (3, "3")


def test_gzip_is_detected_by_magic_bytes_not_the_name(tmp_path):
    path = tmp_path / "export.csv"  # gzip inside, plain name
    write(tmp_path / "x.csv.gz", "csv", ROWS)
    path.write_bytes((tmp_path / "x.csv.gz").read_bytes())
    assert len(list(read_rows(path, mapping=MAPPING))) == 5


@pytest.mark.parametrize("gz", [False, True])
def test_parquet_in_batches(tmp_path, gz):
    table = pa.Table.from_pylist(ROWS * 3)
    plain = tmp_path / "t.parquet"
    pq.write_table(table, plain, row_group_size=4)
    path = plain
    if gz:
        path = tmp_path / "t.parquet.gz"
        path.write_bytes(gzip.compress(plain.read_bytes()))
    stats = ReadStats()
    rows = list(read_rows(path, mapping=MAPPING, limits=Limits(parquet_batch_rows=2), stats=stats))
    assert stats.read == stats.yielded == 15
    assert rows[5].external_id == "t1" and rows[5].metadata == {"score": 1}
    assert rows[5].row_number == 6


def test_memory_stays_flat_on_a_large_gzip_file(tmp_path):
    """16,000 rows (~20 MB of CSV): the reader's peak Python memory stays a small constant."""
    path = tmp_path / "big.csv.gz"
    body = "The export to CSV times out on large pipelines; please add scheduled exports. " * 16
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("id,subject,body,created,account,arr,score\n")
        for n in range(16_000):
            handle.write(
                f'{n},Ticket {n},"{body}",2025-01-02T03:04:05Z,acc {n % 50},{n},{n % 10}\n'
            )
    stats = ReadStats()
    tracemalloc.start()
    count = 0
    for row in read_rows(path, mapping=MAPPING, stats=stats):
        count += isinstance(row, ImportRow)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == stats.read == 16_000
    assert stats.quarantined == 0
    assert peak < 3_000_000, peak  # the file is ~20 MB decompressed
