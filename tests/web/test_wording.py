"""What a PM reads: who opened a requirement, titles (not ids) in the trail, counts, the trend."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.db import utcnow
from feedback_ai.review.models import ReviewItem
from feedback_ai.web.format import plural, signal_raw, trend_change, trend_words
from feedback_ai.web.trail import plain
from tests.factories import headers
from tests.web.conftest import login, sync


def _section(html: str, marker: str) -> str:
    return html.split(marker)[1].split("</section>")[0]


def _text(html: str) -> str:
    """What the browser shows: the markup without its tags (attributes included)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _merge_in(ui: TestClient, keys: dict[str, str], db: Session, *, statement: str,
              into: str) -> None:  # fmt: skip
    """A reviewer merges the queued candidate whose statement is like `statement` into `into`."""
    sync(db)
    item = db.scalars(select(ReviewItem).where(ReviewItem.statement.like(statement))).one()
    csrf = login(ui, keys["reviewer"])
    moved = ui.post(f"/ui/queue/items/{item.id}/merge", headers={"X-CSRF-Token": csrf},
                    json={"version": item.version, "requirement_id": into})  # fmt: skip
    assert moved.status_code == 200, moved.text


def test_the_evidence_that_opened_a_requirement_says_so_instead_of_a_score(
    ui: TestClient, keys: dict[str, str], seed
) -> None:
    rid = seed("We need SSO with Okta before rollout.", ["Add SSO with Okta"], account="Acme")
    assert seed("Okta SSO please.", ["Add SSO with Okta"], account="Globex") == rid
    login(ui, keys["reviewer"])
    evidence = _section(ui.get(f"/ui/requirements/{rid}").text, "<h2>Evidence")
    first, second = (_text(li) for li in evidence.split("<li")[1:])
    assert "Acme" in first and "opened this requirement" in first and "match" not in first
    assert "Globex" in second and re.search(r"match \d\.\d\d", second)


def test_evidence_a_pm_merged_in_names_who_instead_of_a_perfect_match(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    dark = seed("Please add a dark mode.", ["Add a dark mode"], account="Acme")
    assert seed("Dark mode please, my eyes hurt.", ["Add a dark mode"], account="Globex") == dark
    night = seed("A night theme for the dashboard would help.", ["Night theme for dashboards"],
                 account="Initech")  # fmt: skip
    assert night != dark
    _merge_in(ui, keys, db, statement="Night%", into=dark)
    evidence = _section(ui.get(f"/ui/requirements/{dark}").text, "<h2>Evidence")
    rows = {acct: _text(li) for li in evidence.split("<li")[1:]
            for acct in ("Acme", "Globex", "Initech") if acct in li}  # fmt: skip
    # Stored with score 1: "match 1.00" would claim a perfect match that nobody measured.
    assert "merged by reviewer" in rows["Initech"] and "match" not in rows["Initech"]
    assert "opened this requirement" in rows["Acme"]
    assert re.search(r"match \d\.\d\d", rows["Globex"]) and "by reviewer" not in rows["Globex"]


def test_the_trail_names_requirements_by_title_and_links_their_ids(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    dark = seed("Please add a dark mode.", ["Add a dark mode"])
    night = seed("A night <theme> & dashboard would help.", ["Night <theme> & dashboard"])
    assert night != dark
    _merge_in(ui, keys, db, statement="Night%", into=dark)
    merged = ui.post(f"/v1/requirements/{night}/merge", headers=headers(keys["reviewer"]),
                     json={"into": dark})  # fmt: skip
    assert merged.status_code == 200, merged.text
    trail = ui.get(f"/ui/requirements/{dark}").text.split('id="audit"')[1].split("</table>")[0]
    night_link = f'<a href="/ui/requirements/{night}" title="{night}">Night &lt;theme&gt; &amp; dashboard</a>'
    dark_link = f'<a href="/ui/requirements/{dark}" title="{dark}">Add a dark mode</a>'
    assert f"{night_link} → {dark_link}" in trail  # the candidate moved
    assert f"into {dark_link}" in trail  # the requirement merged
    shown = _text(trail)
    assert dark not in shown and night not in shown  # ids only in links and tooltips
    assert "Merged: which requirement the evidence supports" in shown
    # The merge also accepted the queue item: said on the merge's row, not as a row of its own.
    assert "the item is now accepted" in shown and "the review status" not in shown
    assert "Merged requirements" in shown and "requirement.merge" not in shown
    source = ui.get(f"/ui/requirements/{night}").text
    assert f'into <a href="/ui/requirements/{dark}" title="{dark}">Add a dark mode</a>' in source


def test_counts_say_one_account_and_the_breakdown_names_its_signals(
    ui: TestClient, keys: dict[str, str], seed, db: Session
) -> None:
    rid = seed("We need SSO with Okta before rollout.", ["Add SSO with Okta"], account="Acme")
    sync(db)
    login(ui, keys["reviewer"])
    queue = _text(ui.get("/ui/queue").text)
    assert "Add SSO with Okta · 1 evidence item · 1 account · $10,000 ARR" in queue
    assert "$10,000 ARR · support ticket ·" in queue and "(press 1–9 to toggle)" in queue
    assert (
        '<option value="feature_request" selected>feature request</option>'
        in ui.get("/ui/queue").text
    )
    page = ui.get(f"/ui/requirements/{rid}").text
    figures = _text(page.split('class="figures"')[1].split("</section>")[0])
    assert "1feedback item" in figures and "1account" in figures  # <b>1</b><span>account</span>
    assert "accounts" not in figures and "items" not in figures
    breakdown = page.split("<h2>Priority breakdown")[1].split("</table>")[0]
    assert '<td>ARR</td><td class="num">$10,000</td>' in breakdown  # not "arr 10000.00"
    assert '<td>Accounts</td><td class="num">1</td>' in breakdown
    assert "Days since last seen" in breakdown and "Share negative or urgent" in breakdown


def test_the_trend_reads_as_a_sentence(ui: TestClient, keys: dict[str, str], seed) -> None:
    now = utcnow()
    rid = seed("Please add a dark mode.", ["Add a dark mode"], received_at=now - timedelta(days=2))
    seed("Dark mode, please.", ["Add a dark mode"], received_at=now - timedelta(days=1))
    login(ui, keys["reviewer"])
    html = ui.get(f"/ui/requirements/{rid}").text
    trend = _text(html.split('id="trend-figure">')[1].split("</div>")[0])
    assert trend == "new2 in the last 30 days, 0 in the 30 before"
    listed = _text(ui.get("/ui/requirements").text.split("<tbody>")[1])
    assert "new" in listed and "%" not in listed


@pytest.mark.parametrize(("change", "current", "shown"), [
    (0.5, 3, "↑ 50%"), (-0.25, 3, "↓ 25%"), (0.0, 2, "no change"), (None, 4, "new"),
    (None, 0, "–"),
])  # fmt: skip
def test_trend_change_shows_a_percentage_only_against_a_period_with_items(
    change: float | None, current: int, shown: str
) -> None:
    assert trend_change(change, current) == shown


def test_words_for_counts_and_recorded_values() -> None:
    assert [plural(n, "account") for n in (0, 1, 2)] == ["accounts", "account", "accounts"]
    assert (
        plural(1, "evidence item") == "evidence item" and plural(2, "entry", "entries") == "entries"
    )
    assert trend_words(1, 0) == "1 in the last 30 days, 0 in the 30 before"
    assert signal_raw("recency", None) == "–" and signal_raw("arr", 2500.0) == "$2,500"
    assert plain("pending") == "pending" and plain(None) == "–" and plain([]) == "none"
    assert (
        plain({"status": "accepted", "themes": ["sso", "ui"]})
        == "status: accepted; themes: sso, ui"
    )


def test_trail_codes_are_said_in_words_even_when_new() -> None:
    from feedback_ai.web.trail import audit_words, decision_words

    assert audit_words("requirement.merge") == "Merged requirements"
    assert audit_words("requirement.split_off") == "Requirement split off"  # no mapping yet
    assert decision_words("relabel", "feedback", "kind") == "Relabelled: the feedback's kind"
    assert decision_words("snooze", "item", "snoozed_until") == "Snooze: snoozed until"
