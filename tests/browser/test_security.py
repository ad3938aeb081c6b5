"""In a real browser: hostile feedback stays inert text, and a reviewer cannot reach admin
actions from the UI or by posting directly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from feedback_ai.themes.models import ThemeProposal
from tests.browser.conftest import World, login
from tests.factories import headers

pytestmark = pytest.mark.slow

HOSTILE = [
    '<script>window.__xss = "script"; alert(1)</script> Please add scheduled PDF exports.',
    "We need SSO <img src=x onerror=\"window.__xss = 'img'; alert(2)\"> before the rollout.",
    'The <b>dashboard</b> <a href="javascript:alert(3)">link</a> should load faster.',
]


def test_hostile_feedback_is_shown_as_text_and_runs_nothing(world: World, browser: Any) -> None:
    for n, text in enumerate(HOSTILE):
        body = {"text": text, "source": "support_ticket", "external_id": f"xss-{n}",
                "account_name": '<img src=x onerror="alert(4)">'}  # fmt: skip
        response = httpx.post(f"{world.url}/v1/feedback", json=body,
                              headers=headers(world.keys["ingest"]), timeout=60)  # fmt: skip
        assert response.status_code in (200, 201), response.text
    world.sync(uncertainty_min=0.0)  # every item, sure or not, so each is on screen
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, world.url, world.keys["admin"])  # admins see the original text too
    page.goto(f"{world.url}/ui/queue?type=feedback")
    panels = page.locator("#panels article.item")
    assert panels.count() == len(HOSTILE)
    shown = " ".join(panels.nth(i).text_content() for i in range(panels.count()))
    for fragment in ("<script>window.__xss", "onerror=", "<b>dashboard</b>", "javascript:alert(3)"):
        assert fragment in shown  # visible as text
    inside = "#panels .item-text"
    for tag in ("script", "img", "b", "a"):
        assert page.locator(f"{inside} {tag}").count() == 0
    for _ in range(panels.count()):  # walk every item with the keyboard
        page.keyboard.press("j")
    assert page.evaluate("window.__xss") is None and dialogs == []
    context.close()


def test_a_reviewer_cannot_reach_admin_actions(world: World, browser: Any) -> None:
    world.db.add(ThemeProposal(fingerprint="b" * 32, name="VAT invoices", keywords=["vat"],
                               stems=["vat"], feedback_ids=[], example_ids=[], size=6,
                               cohesion=0.5))  # fmt: skip
    world.db.commit()
    world.sync()
    proposal = world.db.scalars(select(ThemeProposal)).one()
    context = browser.new_context()
    page = context.new_page()
    login(page, world.url, world.keys["reviewer"])
    page.goto(f"{world.url}/ui/themes")
    assert page.locator(".accept-proposal, .rename-proposal").count() == 0
    page.goto(f"{world.url}/ui/queue?type=theme_proposal")
    page.locator("#panels article.item:not([hidden])").wait_for()
    page.keyboard.press("a")
    page.locator("#toast", has_text="admin").wait_for()
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    for action, form in (("accept", {}), ("rename", {"name": "Taken over"})):
        response = page.request.post(
            f"{world.url}/ui/themes/proposals/{proposal.id}/{action}",
            form={"csrf_token": csrf, **form}, max_redirects=0,
        )  # fmt: skip
        assert response.status == 403
    world.db.expire_all()
    stored = world.db.get(ThemeProposal, proposal.id)
    assert stored.status == "proposed" and stored.name == "VAT invoices"
    context.close()
