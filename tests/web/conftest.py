"""Fixtures for the review UI tests: the model-free app, keys, logged-in clients, seeded data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.requirements import service
from feedback_ai.review import service as review
from feedback_ai.review.ordering import ordering_named
from tests.api import domain_fixtures
from tests.api.domain_fixtures import add_feedback
from tests.factories import make_key

# The same model-free app and empty-tables session as the requirements tests (same settings).
domain_client = domain_fixtures.domain_client
db = domain_fixtures.db

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_csrf(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = _CSRF.search(html)
    assert found, "no csrf_token in the page"
    return found.group(1)


def login(client: TestClient, token: str) -> str:
    """Log a TestClient in through the form; returns the session's CSRF token."""
    client.cookies.clear()
    form = client.get("/ui/login")
    assert form.status_code == 200
    response = client.post(
        "/ui/login", data={"api_key": token, "csrf_token": form_csrf(form.text), "next": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    page = client.get("/ui/requirements")
    assert page.status_code == 200
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


@pytest.fixture
def ui(domain_client: TestClient, db: Session) -> Iterator[TestClient]:
    """The model-free app on empty tables, with no cookie left from another test."""
    domain_client.cookies.clear()
    yield domain_client
    domain_client.cookies.clear()


def sync(db: Session) -> None:
    """Queue what is waiting for review."""
    review.sync_queue(session=db, ordering=ordering_named("priority_uncertainty"),
                      uncertainty_min=0.5)  # fmt: skip


@pytest.fixture
def keys(ui: TestClient, engine: Engine) -> dict[str, str]:
    """One key per role."""
    return {role: make_key(engine, role) for role in ("ingest", "reviewer", "admin")}


@pytest.fixture
def seed(db: Session) -> Callable[..., str]:
    """Store an item with candidate statements and link it; returns its requirement's id."""

    def make(text: str, statements: list[str], **kw: object) -> str:
        row = add_feedback(db, text, statements=statements, **kw)
        evidence = service.link_candidates(session=db, feedback_id=row.id)
        return evidence[0].requirement_id

    return make
