"""Builders and an app for the requirements and themes tests: stored feedback without a model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.ids import new_id
from feedback_ai.settings import Settings
from tests.conftest import clear_tables

NOW = datetime.now(UTC)


def add_feedback(
    session: Session, text: str, *, statements: list[str] = (), account: str | None = "acc-1",
    arr: float | None = 10_000.0, source: str = "support_ticket",
    received_at: datetime | None = None, kind: str = "feature_request",
    themes: list[str] = (), version: str = "v1",
) -> Feedback:  # fmt: skip
    """Store an item with a current prediction whose candidates are `statements`."""
    fid, pid = new_id(), new_id()
    cands = []
    for rank, statement in enumerate(statements):
        start = max(text.lower().find(statement.split()[0].lower()), 0)
        cands.append(CandidateRequirement(
            id=new_id(), prediction_id=pid, feedback_id=fid, rank=rank, statement=statement,
            sentence=text, masked_sentence=text, start=start, end=len(text), masked_start=start,
            masked_end=len(text), confidence=0.9, model_version=version,
        ))  # fmt: skip
    pred = Prediction(
        id=pid, feedback_id=fid, is_current=True, model_version=version, kind=kind,
        kind_score=0.9, kind_scores={kind: 0.9}, theme_scores={t: 0.8 for t in themes},
        unassigned=not themes, explanations=[], language="en", flags=[],
        themes=[PredictionTheme(prediction_id=pid, theme_id=t, score=0.8, rank=r)
                for r, t in enumerate(themes)],
        candidates=cands,
    )  # fmt: skip
    row = Feedback(
        id=fid, source=source, external_id=fid, text=text, masked_text=text, account_id=account,
        account_name=account, arr=arr, received_at=received_at or NOW, content_sha256="0" * 64,
        extra={}, predictions=[pred],
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def retrain(session: Session, row: Feedback, statements: list[str], *, version: str) -> None:
    """Replace an item's current prediction, as a new model version would (spans shift by 1)."""
    for pred in row.predictions:
        pred.is_current = False
    session.flush()
    pid = new_id()
    cands = [
        CandidateRequirement(
            id=new_id(), prediction_id=pid, feedback_id=row.id, rank=r, statement=s,
            sentence=row.text, masked_sentence=row.text, start=1, end=len(row.text),
            masked_start=1, masked_end=len(row.text), confidence=0.8, model_version=version,
        )
        for r, s in enumerate(statements)
    ]  # fmt: skip
    session.add(Prediction(
        id=pid, feedback_id=row.id, is_current=True, model_version=version, kind="feature_request",
        kind_score=0.8, kind_scores={}, theme_scores={}, unassigned=True, explanations=[],
        language="en", flags=[], candidates=cands,
    ))  # fmt: skip
    session.commit()


@contextmanager
def model_free_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, **settings: Any
) -> Iterator[TestClient]:
    """The real app without a model (none is needed) and without the background review sync."""
    from feedback_ai.main import create_app

    empty: Path = tmp_path_factory.mktemp("no-models")
    config = Settings(database_url=database_url, models_dir=empty, review_sync_interval_s=0,
                      **settings)  # fmt: skip
    with TestClient(create_app(config)) as client:
        yield client


@contextmanager
def empty_tables(engine: Engine) -> Iterator[Session]:
    """A session on empty tables and a forgotten requirement index; the tables emptied again after."""
    from feedback_ai.requirements.index import reset_index

    clear_tables(engine)
    with Session(engine, expire_on_commit=False) as session:
        reset_index(session)
        yield session
    clear_tables(engine)


@pytest.fixture(scope="module")
def domain_client(
    database_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app with the requirements and themes routers and no model (none is needed)."""
    with model_free_app(database_url, tmp_path_factory) as client:
        yield client


@pytest.fixture
def db(engine: Engine, domain_client: TestClient) -> Iterator[Session]:
    """A session on empty tables, and a forgotten requirement index."""
    with empty_tables(engine) as session:
        yield session


def body(response: Any) -> Any:
    """The JSON body, after checking the status is 2xx."""
    assert response.status_code < 300, response.text
    return response.json()
