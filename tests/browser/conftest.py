"""A real server (uvicorn, the session-trained model, the test database) and Debian's Chromium.

FEEDBACK_AI_REQUIRE_SERVICES=1 turns a missing Chromium or Playwright into a failure.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.ml.training.train import TrainResult
from feedback_ai.requirements import service as requirements
from feedback_ai.requirements.index import reset_index
from feedback_ai.review import service as review
from feedback_ai.review.ordering import ordering_named
from feedback_ai.settings import Settings
from tests.api.domain_fixtures import add_feedback
from tests.conftest import clear_tables, skip_or_fail
from tests.factories import make_key, serve_model

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        skip_or_fail(f"playwright is not installed: {e}")
    if not CHROMIUM.exists():
        skip_or_fail(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(
    database_url: str, engine: Engine, models_dir: Path, trained: TrainResult
) -> Iterator[str]:
    """The real app with the trained model, served by uvicorn on a free port, in a thread."""
    from feedback_ai.main import create_app

    # The server serves the registry's champion; the tests empty the tables, so it does not
    # follow the pointer afterwards (model_watch_s=0).
    clear_tables(engine)
    serve_model(engine, trained.path)
    settings = Settings(database_url=database_url, models_dir=models_dir, inference_process=False,
                        review_sync_interval_s=0, db_busy_timeout_ms=2_000,
                        model_watch_s=0)  # fmt: skip
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None,
                            access_log=False)  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # startup loads the model; a bound, not a measurement
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


@dataclass
class World:
    """The server's URL, a database session and one key per role."""

    url: str
    db: Session
    keys: dict[str, str]

    def item(self, text: str, statements: list[str], **kw: Any) -> str:
        """Store an item with these candidate statements and link it; its feedback id."""
        row = add_feedback(self.db, text, statements=statements, **kw)
        row.predictions[0].uncertainty = 0.2
        self.db.commit()
        requirements.link_candidates(session=self.db, feedback_id=row.id)
        return row.id

    def sync(self, uncertainty_min: float = 0.5) -> None:
        """Queue what waits for review."""
        review.sync_queue(session=self.db, ordering=ordering_named("priority_uncertainty"),
                          uncertainty_min=uncertainty_min)  # fmt: skip


@pytest.fixture
def world(server: str, engine: Engine) -> Iterator[World]:
    """Empty tables, a forgotten requirement index, fresh keys."""
    clear_tables(engine)
    with Session(engine, expire_on_commit=False) as db:
        reset_index(db)
        keys = {r: make_key(engine, r, f"{r}-pm") for r in ("ingest", "reviewer", "admin")}
        yield World(server, db, keys)
    clear_tables(engine)


def login(page: Any, url: str, token: str) -> None:
    """Log in through the form with the keyboard."""
    page.goto(f"{url}/ui/login")
    # The key field has autofocus; on a busy machine typing can start before the browser moved
    # the focus there, so wait until it has (still no mouse, no fill()).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'api_key'")
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/ui/queue")


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot into the git-ignored screenshots folder."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
