"""Reading a user's training file: every malformed input is a DataError that says where."""

import json
from pathlib import Path

import pytest

from feedback_ai.errors import DataError
from feedback_ai.ml.themes.taxonomy import load_taxonomy, slugify
from feedback_ai.ml.training.dataset import SkippedRow, read_dataset, read_examples


def test_csv_with_byte_order_mark_and_theme_separators(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        '\ufefftext,kind,themes\n"Export is slow",bug,performance|data_import_export\n'.encode()
    )
    (ex,) = read_examples(path)
    assert ex.text == "Export is slow" and ex.kind == "bug"
    assert ex.themes == ("performance", "data_import_export")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['"just a string"'], "row 1 is not an object"),
        (['{"text": "a", "themes": "[not json"}'], "row 1"),
        (['{"text": "a", "requirements": "{broken"}'], "row 1 `requirements`"),
        (['{"text": "a", "requirements": [{"sentence": "a"}]}'], "need `sentence` and `statement`"),
        (['{"text": "   "}'], "row 1 has no `text`"),
        (['{"text": "a", "source": "fax"}'], "unknown source"),
        (['{"text": "a", "kind": "' + "k" * 80 + '"}'], "longer than 64"),
        (["{not json"], "row 1 is not valid JSON"),
        (['{"text": "a", "kind": ["bug", "praise"]}'], "`kind` must be one label"),
    ],
)
def test_malformed_rows_are_clear_errors(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines))
    with pytest.raises(DataError, match=message.replace("[", r"\[")):
        read_examples(path)


def test_bad_rows_are_skipped_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        '{"text": "Export is slow", "themes": ["performance"]}',
        '{"text": "   ", "themes": ["performance"]}',
        "{not json",
        "",
        '{"text": "Login fails", "source": "fax", "themes": ["auth"]}',
        '"just a string"',
        '{"text": "Login fails on Safari", "themes": ["auth"]}',
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    dataset = read_dataset(path)
    assert [ex.text for ex in dataset.examples] == ["Export is slow", "Login fails on Safari"]
    assert [ex.row for ex in dataset.examples] == [1, 7]
    assert [s.row for s in dataset.skipped] == [2, 3, 5, 6]
    reasons = [s.reason for s in dataset.skipped]
    assert reasons[0] == "has no `text`"
    assert reasons[1].startswith("is not valid JSON")
    assert reasons[2].startswith("has unknown source 'fax'")
    assert reasons[3] == "is not an object with a `text` field"
    assert dataset.n_rows == 6  # the blank line is not a row
    assert str(SkippedRow(2, "has no `text`")) == "row 2 has no `text`"


def test_a_line_that_is_not_utf8_is_skipped_alone(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(
        b'{"text": "caf\xe9 crashes", "kind": "bug"}\n{"text": "fine", "kind": "bug"}\n'
    )
    dataset = read_dataset(path)
    assert [ex.text for ex in dataset.examples] == ["fine"]
    assert dataset.skipped == [SkippedRow(1, "is not UTF-8 text")]


def test_csv_rows_are_numbered_after_the_header(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('text,kind\n"Export is slow",bug\n"",bug\n"Add SSO",feature_request\n')
    dataset = read_dataset(path)
    assert [ex.kind for ex in dataset.examples] == ["bug", "feature_request"]
    assert dataset.skipped == [SkippedRow(2, "has no `text`")]


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(DataError, match="unsupported file type"):
        read_examples(path)


def test_taxonomy_keywords_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "tax.json"
    path.write_text(json.dumps({"themes": [{"id": "billing", "keywords": "invoice"}]}))
    with pytest.raises(DataError, match="must be a list"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"themes": []}, "non-empty list"),
        ({"themes": [{"id": "Bad Id"}]}, "must be lowercase"),
        ({"themes": [{"id": "a"}, {"id": "a"}]}, "duplicate theme ids"),
        ({"themes": [{"id": "a", "parent": "zzz"}]}, "unknown parent"),
        ({"themes": [{"id": "a", "colour": "red"}]}, "unknown fields"),
    ],
)
def test_taxonomy_errors(tmp_path: Path, doc: dict, message: str) -> None:
    path = tmp_path / "tax.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=message):
        load_taxonomy(path)


def test_slugify() -> None:
    assert slugify("Card payment fee?") == "card_payment_fee"
    assert slugify("!!!") == "theme"
