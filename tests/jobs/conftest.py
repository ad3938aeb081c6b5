"""Import tests run `feedback-ai import` as a user does: it scores with the registry's champion."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.ml.training.train import TrainResult
from tests.factories import serve_model


@pytest.fixture(autouse=True)
def champion(session: Session, engine: Engine, trained: TrainResult) -> None:
    """The session model, registered and promoted after `session` emptied the tables."""
    serve_model(engine, trained.path)
