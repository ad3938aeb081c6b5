"""A review app (no model needed), keys per role, and builders for queued items."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.requirements import service as requirements
from feedback_ai.review.models import ReviewItem
from tests.api.domain_fixtures import add_feedback, empty_tables, model_free_app
from tests.factories import headers, make_key


@pytest.fixture(scope="module")
def review_app(
    database_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The real app without a model; the queue fills on POST /v1/review/sync only."""
    with model_free_app(database_url, tmp_path_factory, review_uncertainty_min=0.5,
                        review_lease_s=300) as client:  # fmt: skip
        yield client


@pytest.fixture
def db(engine: Engine, review_app: TestClient) -> Iterator[Session]:
    """A session on empty tables."""
    with empty_tables(engine) as session:
        yield session


class Reviewer:
    """A client bound to one key."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.headers = client, headers(token)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/v1/review{path}", params=params, headers=self.headers)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.client.post(f"/v1/review{path}", json=body or {}, headers=self.headers)

    def ok(self, response: Any) -> Any:
        assert response.status_code < 300, response.text
        return response.json()

    def item(self, item_id: str) -> dict:
        return self.ok(self.get(f"/items/{item_id}"))

    def act(self, item_id: str, action: str, **body: Any) -> Any:
        if "version" not in body:
            body["version"] = self.item(item_id)["version"]
        return self.post(f"/items/{item_id}/{action}", body)


@pytest.fixture
def pm(review_app: TestClient, engine: Engine, db: Session) -> Reviewer:
    """A reviewer."""
    return Reviewer(review_app, make_key(engine, "reviewer", "pm-ann"))


@pytest.fixture
def pm2(review_app: TestClient, engine: Engine, db: Session) -> Reviewer:
    """A second reviewer."""
    return Reviewer(review_app, make_key(engine, "reviewer", "pm-bob"))


@pytest.fixture
def admin(review_app: TestClient, engine: Engine, db: Session) -> Reviewer:
    """An admin."""
    return Reviewer(review_app, make_key(engine, "admin", "root"))


@pytest.fixture
def ingest(review_app: TestClient, engine: Engine, db: Session) -> Reviewer:
    """An ingest key."""
    return Reviewer(review_app, make_key(engine, "ingest", "pipe"))


def feedback(
    db: Session, text: str, *, statements: list[str] = (), uncertainty: float = 0.1,
    **kw: Any,
) -> Feedback:  # fmt: skip
    """Stored, linked feedback whose current prediction has `uncertainty`."""
    row = add_feedback(db, text, statements=list(statements), **kw)
    row.predictions[0].uncertainty = uncertainty
    db.commit()
    requirements.link_candidates(session=db, feedback_id=row.id)
    return row


def items_of(db: Session, **where: Any) -> list[ReviewItem]:
    """Stored review items, fresh from the database."""
    db.expire_all()
    query = select(ReviewItem).filter_by(**where).order_by(ReviewItem.id)
    return list(db.scalars(query))
