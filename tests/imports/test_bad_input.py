"""Bad input gets quarantined rows with a reason or a clear ImportFormatError: never a crash or a drop."""

from __future__ import annotations

import codecs
import gzip
import tracemalloc
from pathlib import Path

import pytest

from feedback_ai.imports import (
    ImportFormatError,
    ImportRow,
    Limits,
    Quarantined,
    ReadStats,
    mapping_from,
    read_rows,
)

DEFAULT = Limits()
MAPPING = mapping_from({"text_columns": "text", "id_column": "id", "source": "survey"})


def run(path: Path, *, limits: Limits = DEFAULT, fmt: str | None = None):
    stats = ReadStats()
    out = list(read_rows(path, mapping=MAPPING, fmt=fmt, limits=limits, stats=stats))
    assert stats.read == len(out) == stats.yielded + stats.quarantined
    return out, stats


def reasons(out) -> list[tuple[int, str]]:
    return [(r.row_number, r.reason) for r in out if isinstance(r, Quarantined)]


def test_a_row_that_cannot_be_decoded_is_quarantined(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,text\n1,fine\n2,caf\xe9 latin-1\n3,also fine\n")
    out, stats = run(path)
    assert (stats.yielded, stats.quarantined) == (2, 1)
    assert reasons(out) == [(3, "bad_encoding")]
    assert "caf\\xe9" in out[1].raw


def test_a_bad_line_in_jsonl_does_not_stop_the_rest(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"id": 1, "text": "ok"}\n\xff\xfe{bad\n[1, 2]\n{"id": 4, "text": "ok too"}\n'
    )
    out, _ = run(path)
    assert reasons(out) == [(2, "bad_encoding"), (3, "unparseable_line")]
    assert [r.external_id for r in out if isinstance(r, ImportRow)] == ["1", "4"]


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_and_utf16(tmp_path, bom, codec):
    path = tmp_path / "a.csv"
    path.write_bytes(bom + "id,text\r\n1,Zoë wants ✓ marks\r\n2,second\r\n".encode(codec))
    out, stats = run(path)
    assert stats.quarantined == 0
    assert [r.text for r in out] == ["Zoë wants ✓ marks", "second"]


def test_quotes_inside_fields(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        'id,text\n1,"She said ""ship it"", twice"\n2,"broken "quote" here"\n'
        '3,bare "quotes" in an unquoted field\n',
        encoding="utf-8",
    )
    out, _ = run(path)
    assert out[0].text == 'She said "ship it", twice'
    assert reasons(out) == [(3, "unparseable_line")]
    assert out[2].text == 'bare "quotes" in an unquoted field'


def test_an_unterminated_quote_is_bounded_not_swallowing_the_file(tmp_path):
    path = tmp_path / "a.csv"
    rows = "".join(f"{n},row {n}\n" for n in range(2, 2000))
    path.write_text(f'id,text\n1,"never closed\n{rows}', encoding="utf-8")
    out, stats = run(path, limits=Limits(max_record_bytes=1024))
    # The runaway field swallows lines up to the 1 KB bound, then the reader goes on.
    assert reasons(out) == [(2, "unparseable_line")]
    assert stats.yielded > 1800
    assert out[-1].text == "row 1999"


def test_wrong_column_count_and_missing_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text\n1,ok\n2\n3,ok,extra\n4,   \n\n5,last\n", encoding="utf-8")
    out, stats = run(path)
    assert reasons(out) == [
        (3, "wrong_column_count"),
        (4, "wrong_column_count"),
        (5, "missing_text"),
    ]
    assert stats.yielded == 2  # the blank line is not a row


def test_text_too_long(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,text\n1," + "x" * 300 + "\n2,short\n", encoding="utf-8")
    out, _ = run(path, limits=Limits(max_text_chars=200))
    assert reasons(out) == [(2, "text_too_long")]


def test_empty_files(tmp_path):
    for name, data in [
        ("a.csv", b""),
        ("b.csv.gz", gzip.compress(b"")),
        ("c.json", b"  "),
        ("d.jsonl.gz", gzip.compress(b"\n \n")),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ImportFormatError, match="empty"):
            run(path)


def test_a_header_missing_the_mapped_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("ticket,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="header lacks 'text', 'id'"):
        run(path)


def test_a_huge_line_is_skipped_without_reading_it_whole(tmp_path):
    """A 2 GB line, simulated: 8 MB against a 64 KB bound; memory stays near the bound."""
    path = tmp_path / "a.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"id": 1, "text": "before"}\n{"id": 2, "text": "')
        for _ in range(128):
            handle.write(b"y" * 65536)
        handle.write(b'"}\n{"id": 3, "text": "after"}\n')
    tracemalloc.start()
    out, _ = run(path, limits=Limits(max_line_bytes=64 * 1024))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert reasons(out) == [(2, "line_too_long")]
    assert [r.text for r in out if isinstance(r, ImportRow)] == ["before", "after"]
    assert peak < 1_000_000, peak


def test_a_huge_csv_line_too(tmp_path):
    path = tmp_path / "a.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"id,text\n1,before\n2," + b"z" * 3_000_000 + b"\n3,after\n")
    out, _ = run(path, limits=Limits(max_line_bytes=32 * 1024))
    assert reasons(out) == [(3, "line_too_long")]
    assert [r.text for r in out if isinstance(r, ImportRow)] == ["before", "after"]


def test_a_huge_json_record_is_refused(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[{"id": 1, "text": "' + "q" * 2_000_000 + '"}]', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="larger than"):
        run(path, limits=Limits(max_record_bytes=100_000))


def test_a_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.csv"  # gzip inside, whatever the name says
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(b"id,text\n")
        for _ in range(40):
            handle.write((b"1," + b"a" * 1000 + b"\n") * 1000)
    assert path.stat().st_size < 200_000
    limits = Limits(max_gzip_ratio=100, gzip_ratio_grace_bytes=256 * 1024)
    with pytest.raises(ImportFormatError, match="zip bomb"):
        run(path, limits=limits)


def test_a_zip_bomb_of_one_endless_line_is_refused(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        for _ in range(64):
            handle.write(b"\0" * 1024 * 1024)
    with pytest.raises(ImportFormatError, match="zip bomb"):
        run(path, limits=Limits(max_gzip_ratio=100, gzip_ratio_grace_bytes=8 * 1024 * 1024))


def test_damaged_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(b"id,text\n" + b"1,hello\n" * 1000)[:-40])
    with pytest.raises(ImportFormatError, match="gzip"):
        run(path)


def test_invalid_json_export_is_a_clear_error(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"data": [{"id": 1, "text": "ok"}, {"id": 2, "te', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        run(path)
