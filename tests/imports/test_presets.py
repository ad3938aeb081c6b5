"""Each preset's sample export, written to the real format, parses to the expected rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedback_ai.imports import ImportRow, Quarantined, ReadStats, read_rows

SAMPLES = Path(__file__).parent / "samples"


def read(preset: str, name: str) -> tuple[list[ImportRow], list[Quarantined], ReadStats]:
    stats = ReadStats()
    out = list(read_rows(SAMPLES / name, preset=preset, stats=stats))
    rows = [r for r in out if isinstance(r, ImportRow)]
    bad = [r for r in out if isinstance(r, Quarantined)]
    assert stats.read == len(out) == stats.yielded + stats.quarantined
    assert (stats.yielded, stats.quarantined) == (len(rows), len(bad))
    return rows, bad, stats


def test_zendesk_ndjson_joins_subject_and_description():
    rows, bad, _ = read("zendesk", "zendesk_tickets.json")
    assert [r.external_id for r in rows] == [
        "zendesk-4101",
        "zendesk-4102",
        "zendesk-4103",
        "zendesk-4107",
    ]
    first = rows[0]
    assert first.text.startswith("CSV export times out\n\nExporting the pipeline report")
    assert first.source == "support_ticket"
    assert first.received_at == datetime(2025, 3, 4, 9, 12, 44, tzinfo=UTC)
    assert (first.account_id, first.account_name) == ("360001", "Northwind Traders")
    assert first.metadata == {
        "tags": ["export", "timeout"],
        "via": "email",
        "status": "solved",
        "priority": "high",
        "type": "problem",
    }
    assert rows[1].account_name == "Contoso Ltd"  # a flat organization_name column
    assert rows[2].account_id is None
    assert [(q.row_number, q.reason) for q in bad] == [
        (5, "missing_text"),
        (6, "bad_date"),
        (7, "unparseable_line"),
    ]
    assert "4106" in bad[2].raw


def test_intercom_strips_html_and_keeps_only_the_customers_words():
    rows, bad, _ = read("intercom", "intercom_conversations.json")
    assert [r.external_id for r in rows] == ["intercom-1911149811", "intercom-1911149812"]
    assert rows[0].text == (
        "Hi! The mobile app logs me out every time I switch apps.\n\n"
        "It started after the 4.2 update & it is really annoying.\n\n"
        "Pixel 8.\nAndroid 15."
    )
    assert "which phone" not in rows[0].text  # the admin's reply is not feedback
    assert "alert" not in rows[0].text
    assert rows[0].received_at == datetime(2024, 3, 4, 10, 40, tzinfo=UTC)
    assert rows[0].metadata["tags"] == ["mobile", "auth"]
    assert rows[1].text.startswith("Feature request: dark mode\n\nPlease add a dark mode")
    assert [(q.row_number, q.reason) for q in bad] == [(3, "missing_text"), (4, "bad_date")]


def test_google_play_utf16_csv():
    rows, bad, _ = read("google-play", "google_play_reviews.csv")
    assert len(rows) == 4
    first = rows[0]
    assert first.source == "app_review"
    assert first.external_id == "gplay-gp:AOqpTOHF1a"
    assert first.received_at == datetime(2025, 1, 15, 10, 20, 30, tzinfo=UTC)
    assert first.metadata["star_rating"] == 2
    assert first.metadata["app_version_name"] == "4.12.0"
    assert rows[1].text == "Top\n\nSehr gute App, nur ein Widget für den Sperrbildschirm fehlt."
    assert '"hours"' in rows[3].text
    assert rows[3].external_id.startswith("sha256:")  # no Review Link: a content id
    assert [(q.row_number, q.reason) for q in bad] == [(4, "missing_text")]


def test_app_store_customer_reviews():
    rows, bad, _ = read("app-store", "app_store_reviews.json")
    assert [r.metadata for r in rows] == [
        {"rating": 2, "territory": "USA"},
        {"rating": 5, "territory": "DEU"},
        {"rating": 3, "territory": "CAN"},
    ]
    assert rows[0].external_id == "appstore-00000028-5d3a-1a04-b7b2-7a1c00000001"
    assert rows[0].received_at == datetime(2025, 2, 11, 16, 14, 3, tzinfo=UTC)
    assert rows[0].text == (
        "Crashes on upload\n\nThe app crashes every time I upload a photo from the gallery."
    )
    assert [(q.row_number, q.reason) for q in bad] == [(4, "missing_text"), (5, "bad_date")]


def test_salesforce_account_and_amount():
    rows, bad, _ = read("salesforce", "salesforce_opportunities.csv")
    assert [(r.account_name, r.arr) for r in rows] == [
        ("Northwind Traders", 48000.0),
        ("Contoso Ltd", 120000.0),
    ]
    assert rows[0].source == "sales_note"
    assert rows[0].account_id == "0015g00000XyZ1AAA"
    assert rows[0].received_at == datetime(2025, 3, 31, tzinfo=UTC)
    assert rows[1].text == (
        'Call notes: the "bulk edit" feature is a blocker; procurement also wants\n'
        "a data processing agreement.\nFollow-up next week."
    )
    assert rows[1].metadata == {"opportunity_name": "Contoso - Expansion", "stage": "Negotiation"}
    assert [(q.row_number, q.reason) for q in bad] == [
        (6, "missing_text"),
        (7, "bad_value"),
        (8, "wrong_column_count"),
    ]


def test_survey_with_mixed_line_endings():
    rows, bad, _ = read("survey", "survey_nps.csv")
    assert [r.external_id for r in rows] == [
        f"survey-r-{n}" for n in (1001, 1002, 1004, 1006, 1007, 1008, 1009)
    ]
    assert rows[0].metadata == {"score": 9, "survey": "NPS", "respondent_id": "u-17"}
    assert rows[0].account_name == "Northwind Traders"
    assert rows[2].account_id is None
    assert rows[-1].text == "Works well offline now."  # after a lone CR line ending
    assert [q.reason for q in bad] == ["missing_text", "bad_date"]


@pytest.mark.parametrize(
    ("preset", "name"),
    [("salesforce", "survey_nps.csv"), ("google-play", "salesforce_opportunities.csv")],
)
def test_a_header_that_does_not_match_the_preset_is_refused(preset, name):
    from feedback_ai.imports import ImportFormatError

    with pytest.raises(ImportFormatError, match="header lacks"):
        list(read_rows(SAMPLES / name, preset=preset))


def test_intercom_single_conversation_object(tmp_path):
    """GET /conversations/{id} returns one conversation, not a list: it is one record."""
    import json

    listing = json.loads((SAMPLES / "intercom_conversations.json").read_text(encoding="utf-8"))
    path = tmp_path / "conversation.json"
    path.write_text(json.dumps(listing["conversations"][1]), encoding="utf-8")
    rows = list(read_rows(path, preset="intercom"))
    assert len(rows) == 1 and rows[0].external_id == "intercom-1911149812"
    assert rows[0].text.endswith("late shifts\n\nOLED screens")
