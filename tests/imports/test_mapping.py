"""Column mappings from flags or a file, stable content ids, value parsing and HTML stripping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from feedback_ai.imports import (
    ImportFormatError,
    ImportRow,
    Limits,
    load_mapping,
    map_record,
    mapping_from,
    stable_id,
)
from feedback_ai.imports.html_text import html_to_text
from feedback_ai.imports.records import RawRecord
from feedback_ai.imports.values import parse_amount, parse_date

KEYS = {
    "text_columns": ["Subject", "Body"],
    "id_column": "Ticket",
    "date_column": "Opened",
    "date_format": "%d.%m.%Y",
    "account_column": "Org",
    "arr_column": "ARR",
    "metadata_columns": ["Priority"],
    "source": "support_ticket",
}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_mapping_file_in_yaml_or_json(tmp_path, suffix):
    path = tmp_path / f"mapping{suffix}"
    text = (
        json.dumps(KEYS)
        if suffix == ".json"
        else "\n".join(f"{k}: {json.dumps(v)}" for k, v in KEYS.items())
    )
    path.write_text(text, encoding="utf-8")
    mapping = load_mapping(path, id_prefix="helpdesk-")
    record = RawRecord(
        7,
        {"Subject": "Slow", "Body": "", "Ticket": "88", "Opened": "09.01.2025", "Org": "o1",
         "ARR": "€12,500", "Priority": "P1"},
        "raw",
    )  # fmt: skip
    row = map_record(record, mapping=mapping, file="f.csv", limits=Limits())
    assert isinstance(row, ImportRow)
    assert (row.text, row.external_id, row.account_id, row.arr) == (
        "Slow",
        "helpdesk-88",
        "o1",
        12500.0,
    )
    assert row.received_at == datetime(2025, 1, 9, tzinfo=UTC)
    assert row.metadata == {"priority": "P1"}
    assert row.as_payload()["source"] == "support_ticket"


def test_mapping_errors_are_clear(tmp_path):
    with pytest.raises(ImportFormatError, match="unknown mapping keys: txt"):
        mapping_from({"txt": "body"})
    with pytest.raises(ImportFormatError, match="at least one text column"):
        mapping_from({"text_columns": []})
    with pytest.raises(ImportFormatError, match="source must be one of"):
        mapping_from({"text_columns": "body", "source": "twitter"})
    path = tmp_path / "m.yaml"
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="one object"):
        load_mapping(path)


def test_stable_id_ignores_case_and_spacing_but_not_source_or_day():
    day = datetime(2025, 1, 9, 10, tzinfo=UTC)
    base = stable_id(source="survey", text="Please add  SSO", received_at=day)
    assert base == stable_id(
        source="survey", text="please add sso ", received_at=day.replace(hour=20)
    )
    assert base != stable_id(source="app_review", text="Please add SSO", received_at=day)
    assert base != stable_id(source="survey", text="Please add SSO", received_at=None)
    assert base != stable_id(source="survey", text="Please add SAML", received_at=day)


def test_rows_without_an_id_get_the_stable_id():
    mapping = mapping_from({"text_columns": "t", "id_column": "id", "source": "survey"})
    row = map_record(
        RawRecord(1, {"t": "hello", "id": ""}, ""), mapping=mapping, file="f", limits=Limits()
    )
    assert row.external_id == stable_id(source="survey", text="hello", received_at=None)


def test_values_that_cannot_be_stored_are_quarantined():
    mapping = mapping_from({"text_columns": "t", "id_column": "id", "metadata_columns": "m"})
    cases = [
        ({"t": "nul \x00 here", "id": "1"}, "NUL"),
        ({"t": "ok", "id": "x" * 300}, "longer than 255"),
        ({"t": "ok", "id": "2", "m": "z" * 20_000}, "larger than"),
    ]
    for data, message in cases:
        row = map_record(RawRecord(1, data, ""), mapping=mapping, file="f", limits=Limits())
        assert row.reason == "bad_value" and message in row.message


def test_dates_and_amounts():
    assert parse_date("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_date(1736936430000) == datetime(2025, 1, 15, 10, 20, 30, tzinfo=UTC)
    assert parse_date("1736936430") == datetime(2025, 1, 15, 10, 20, 30, tzinfo=UTC)
    assert parse_date("2025-01-02 03:04:05 UTC") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_date("3/31/2025") == datetime(2025, 3, 31, tzinfo=UTC)
    assert parse_date("") is None
    for bad in ("1850-01-01", "soon", float("nan")):
        with pytest.raises(ValueError):
            parse_date(bad)
    assert parse_amount("$1,200.50") == 1200.5
    assert parse_amount(None) is None
    for bad in ("-5", "lots", True, "1e12"):
        with pytest.raises(ValueError):
            parse_amount(bad)


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = (
        "<div><p>First&nbsp;para with <a href='x'>a link</a>.</p><p>Second<br>line</p>"
        "<style>p{}</style><script>steal()</script><ul><li>one</li><li>two</li></ul></div>"
    )
    assert html_to_text(html) == "First para with a link.\n\nSecond\nline\n\none\n\ntwo"
    assert html_to_text("plain & simple") == "plain & simple"
    assert html_to_text("<p>unclosed <b>tags") == "unclosed tags"
