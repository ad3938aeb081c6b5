"""Exports of requirements with evidence: CSV, JSON, Jira Cloud CSV; API and UI links."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from feedback_ai.requirements.models import Requirement
from tests.factories import headers
from tests.web.conftest import login


def _two(seed) -> tuple[str, str]:
    sso = seed("We need SSO with Okta before rollout.", ["Add SSO with Okta"], account="Acme",
               arr=50_000.0, themes=["security", "integrations"])  # fmt: skip
    seed("Okta SSO is a must for us.", ["Add SSO with Okta"], account="Globex", arr=20_000.0,
         themes=["security"])  # fmt: skip
    dark = seed("Please add a dark mode.", ["Add a dark mode"], account="Initech", arr=None,
                themes=["ui"])  # fmt: skip
    return sso, dark


def test_jira_csv_has_the_columns_jira_reads(ui: TestClient, keys: dict[str, str], seed) -> None:
    sso, _dark = _two(seed)
    response = ui.get("/v1/exports/requirements.jira.csv", headers=headers(keys["reviewer"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    header = rows[0]
    assert header[:4] == ["Summary", "Description", "Issue Type", "Priority"]
    assert set(header[4:]) == {"Labels"} and len(header) == 7  # feedback-ai + two themes
    by_summary = {r[0]: r for r in rows[1:]}
    sso_row = by_summary["Add SSO with Okta"]
    assert sso_row[2] == "Story" and sso_row[3] in ("Highest", "High", "Medium", "Low", "Lowest")
    assert sorted(v for v in sso_row[4:] if v) == ["feedback-ai", "integrations", "security"]
    description = sso_row[1]
    assert "{quote}We need SSO with Okta before rollout.{quote}" in description
    assert "Acme, $50,000 ARR" in description and "Globex, $20,000 ARR" in description
    assert "2 feedback items from 2 accounts, $70,000 ARR" in description
    assert sso in description
    dark_row = by_summary["Add a dark mode"]
    assert dark_row[1].startswith("*1 feedback item from 1 account, ")  # not "1 items"


def test_csv_and_json_hold_the_evidence_and_apply_filters(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    sso, dark = _two(seed)
    auth = headers(keys["reviewer"])
    data = ui.get("/v1/exports/requirements.json", headers=auth).json()["items"]
    assert {d["id"] for d in data} == {sso, dark}
    one = next(d for d in data if d["id"] == sso)
    assert one["arr"] == 70_000.0 and len(one["evidence"]) == 2
    assert {e["account"] for e in one["evidence"]} == {"Acme", "Globex"}
    filtered = ui.get("/v1/exports/requirements.json?theme=ui", headers=auth).json()["items"]
    assert [d["id"] for d in filtered] == [dark]
    db.get(Requirement, dark).title = '=HYPERLINK("https://evil.example")'
    db.commit()
    text = ui.get("/v1/exports/requirements.csv", headers=auth).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["id"] for r in rows} == {sso, dark}
    dark_row = next(r for r in rows if r["id"] == dark)
    # A cell a spreadsheet would run as a formula is defused with a leading quote.
    assert dark_row["title"] == '\'=HYPERLINK("https://evil.example")'
    assert dark_row["evidence"] == '"Please add a dark mode." (Initech, no ARR)'


def test_export_refuses_unknown_filters_and_needs_a_reader_key(
    ui: TestClient, keys: dict[str, str]
) -> None:
    assert ui.get("/v1/exports/requirements.csv").status_code == 401
    ingest = ui.get("/v1/exports/requirements.csv", headers=headers(keys["ingest"]))
    assert ingest.status_code == 403
    bad = ui.get("/v1/exports/requirements.csv?colour=red", headers=headers(keys["admin"]))
    assert bad.status_code == 422


def test_ui_export_links_carry_the_filters(ui: TestClient, keys: dict[str, str], seed) -> None:
    _sso, _dark = _two(seed)
    login(ui, keys["reviewer"])
    html = ui.get("/ui/requirements?theme=ui").text
    assert 'href="/ui/export/requirements.jira.csv?theme=ui"' in html
    rows = list(csv.reader(io.StringIO(ui.get("/ui/export/requirements.jira.csv?theme=ui").text)))
    assert [r[0] for r in rows[1:]] == ["Add a dark mode"]
    ui.cookies.clear()
    assert ui.get("/ui/export/requirements.csv", follow_redirects=False).status_code == 303
