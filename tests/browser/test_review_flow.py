"""The review flow in a real browser, keyboard first, against a real server and model."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.models import ReviewDecision, ReviewItem
from tests.browser.conftest import World, login, screenshot

pytestmark = pytest.mark.slow


def visible(page: Any) -> Any:
    """The item panel on screen."""
    return page.locator("#panels article.item:not([hidden])")


def go_to(page: Any, text: str) -> None:
    """Press j (from the top: k first) until the item on screen holds `text`."""
    for _ in range(60):
        if page.locator("#panels article.item").count() and text in visible(page).inner_text():
            return
        page.keyboard.press("j")
    for _ in range(60):
        if text in visible(page).inner_text():
            return
        page.keyboard.press("k")
    raise AssertionError(f"no queue item holds {text!r}")


def status_of(world: World, statement: str) -> ReviewItem:
    world.db.expire_all()
    return world.db.scalars(select(ReviewItem).where(ReviewItem.statement == statement)).one()


def test_the_whole_flow_keyboard_first(world: World, browser: Any) -> None:
    world.item("We need SSO with Okta before the rollout.", ["Add SSO with Okta"], account="Acme",
               arr=50_000.0, themes=["security_access"])  # fmt: skip
    world.item("Please add a dark mode to the app.", ["Add a dark mode"], account="Globex",
               arr=20_000.0)  # fmt: skip
    world.item("A night theme for the dashboard would help.", ["Night theme for dashboard"],
               account="Initech", arr=5_000.0)  # fmt: skip
    world.item("Exports to PDF look broken.", ["Fix PDF exports"], account="Umbrella", arr=8_000.0)
    world.item("Let us schedule weekly digests.", ["Schedule weekly digests"], account="Hooli")
    for n in range(3):
        world.item(f"Buy cheap watches now {n}!!!", [f"Buy cheap watches {n}"], account=None)
    world.sync()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # 1. Log in.
    login(page, world.url, world.keys["reviewer"])
    visible(page).wait_for()
    screenshot(page, "queue")
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()  # every shortcut, one key away
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()

    # 2. Accept one.
    go_to(page, "Add SSO with Okta")
    page.keyboard.press("a")
    page.locator('#panels article[data-status="accepted"]').wait_for(state="attached")
    assert status_of(world, "Add SSO with Okta").status == "accepted"

    # 3. Merge one into a requirement found with the search box.
    go_to(page, "Night theme for dashboard")
    page.keyboard.press("m")
    page.keyboard.type("dark")
    page.locator("#merge-hits li", has_text="Add a dark mode").wait_for()
    page.keyboard.press("Enter")
    page.locator('#panels article[data-requirement="Add a dark mode"][data-status="accepted"]'
                 ).first.wait_for(state="attached")  # fmt: skip
    night = status_of(world, "Night theme for dashboard")
    dark = world.db.scalars(select(Requirement).where(Requirement.title == "Add a dark mode")).one()
    placed = world.db.scalars(select(RequirementEvidence.requirement_id).where(
        RequirementEvidence.candidate_id == night.subject_id)).all()  # fmt: skip
    assert placed == [dark.id]

    # 4. Relabel one: key 1 toggles the first theme.
    go_to(page, "Fix PDF exports")
    first_theme = visible(page).locator(".theme-choices .tag").first.get_attribute("data-theme")
    page.keyboard.press("1")
    page.locator(f'#panels article[data-themes*="{first_theme}"]').wait_for(state="attached")
    assert first_theme in status_of(world, "Fix PDF exports").themes
    page.keyboard.press("e")  # and edit its statement
    page.keyboard.press("Control+a")
    page.keyboard.type("Fix broken PDF exports")
    page.keyboard.press("Enter")
    page.locator('#panels article[data-statement="Fix broken PDF exports"]').wait_for(
        state="attached"
    )

    # 5. Reject one with a reason; 6. undo it.
    go_to(page, "Schedule weekly digests")
    page.keyboard.press("x")
    page.locator("#reject-reason").select_option("out_of_scope")  # focused; no mouse involved
    page.keyboard.press("Tab")
    page.keyboard.type("Not our product")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('#panels article[data-status="rejected"]').wait_for(state="attached")
    rejected = status_of(world, "Schedule weekly digests")
    assert rejected.status == "rejected"
    reasons = world.db.scalars(select(ReviewDecision.reason).where(
        ReviewDecision.item_id == rejected.id, ReviewDecision.action == "reject")).all()  # fmt: skip
    assert "out_of_scope" in reasons
    page.keyboard.press("u")
    page.wait_for_function(
        "id => document.querySelector(`#panels article[data-item-id='${id}']`)"
        ".dataset.status === 'pending'", arg=rejected.id)  # fmt: skip
    assert status_of(world, "Schedule weekly digests").status == "pending"

    # 7. Bulk-reject by filter, with a count and a confirmation first.
    page.keyboard.press("/")  # focuses the text filter
    page.keyboard.type("watches")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/queue?**q=watches**")
    assert page.locator("#queue-list li[data-item-id]").count() == 3
    page.locator("#bulk-reason").select_option("spam")
    page.locator("#bulk-reject").focus()
    page.keyboard.press("Enter")
    page.locator("#confirm-text", has_text="reject 3 items").wait_for()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the Confirm button has the focus
    page.locator("#queue-empty").wait_for()
    world.db.expire_all()
    spam = world.db.scalars(select(ReviewItem).where(ReviewItem.statement.like("Buy cheap%")))
    assert {i.status for i in spam} == {"rejected"}

    # 8. Open the requirement: its evidence is highlighted.
    page.goto(f"{world.url}/ui/requirements")
    page.locator("a", has_text="Add a dark mode").focus()
    page.keyboard.press("Enter")
    page.locator("#req-title", has_text="Add a dark mode").wait_for()
    marks = page.locator(".evidence mark").all_inner_texts()
    assert any("dark mode" in m for m in marks) and any("night theme" in m.lower() for m in marks)
    screenshot(page, "requirement")

    # 9. Export the Jira CSV.
    page.goto(f"{world.url}/ui/requirements")
    page.locator("#export-jira").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["Summary", "Description", "Issue Type", "Priority"]
    assert "Add a dark mode" in {r[0] for r in rows[1:]}

    page.goto(f"{world.url}/ui/themes")
    screenshot(page, "themes")
    page.goto(f"{world.url}/ui/model")
    assert page.locator("#model-version").inner_text() == "test-model"
    assert page.locator("#decisions-waiting").inner_text() != "0"  # today's decisions
    assert dialogs == []
    context.close()


def test_two_reviewers_on_one_item_the_second_sees_the_conflict(world: World, browser: Any) -> None:
    world.item("We need SSO with Okta before the rollout.", ["Add SSO with Okta"])
    world.sync()
    first, second = browser.new_context(), browser.new_context()
    a, b = first.new_page(), second.new_page()
    login(a, world.url, world.keys["reviewer"])
    login(b, world.url, world.keys["reviewer"])  # the same PM in a second window
    visible(a).wait_for()
    visible(b).wait_for()
    a.keyboard.press("a")
    a.locator('#panels article[data-status="accepted"]').wait_for(state="attached")
    b.keyboard.press("x")
    b.keyboard.press("Tab")
    b.keyboard.press("Tab")
    b.keyboard.press("Enter")
    conflict = b.locator(".conflict")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "Not saved" in text and "status: pending → accepted" in text
    assert b.locator('#panels article[data-status="accepted"]').count() == 1
    assert status_of(world, "Add SSO with Okta").status == "accepted"  # not overwritten
    first.close()
    second.close()
