"""Closing the queue tab frees the item it had open, for the next reviewer (not after the lease)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from feedback_ai.review.models import ReviewItem
from tests.browser.conftest import World, login


def _lease(world: World) -> str | None:
    world.db.expire_all()
    query = select(ReviewItem.leased_by_key_id).where(ReviewItem.item_type == "candidate")
    return world.db.scalars(query).one()


def _until(world: World, leased: bool) -> str | None:
    deadline = time.monotonic() + 20  # a bound on a busy machine, not a measurement
    while (_lease(world) is not None) != leased and time.monotonic() < deadline:
        time.sleep(0.1)
    return _lease(world)


def test_closing_the_tab_releases_the_open_item(world: World, browser: Any) -> None:
    world.item("We need SSO with Okta before the rollout.", ["Add SSO with Okta"])
    world.sync()
    context = browser.new_context()
    page = context.new_page()
    login(page, world.url, world.keys["reviewer"])
    assert _until(world, leased=True) is not None  # opening the page leased the first item
    page.close(run_before_unload=True)  # as a reviewer closes the tab: pagehide runs
    assert _until(world, leased=False) is None
    context.close()
