"""Session-wide trained model, shared by the model-behaviour and API tiers (trained once, for real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_ai.ml import FeedbackModel, load_model
from feedback_ai.ml.training.train import TrainResult, train_model


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """A model trained on the bundled seed (no held-out probe, to keep the suite fast)."""
    models_dir = tmp_path_factory.mktemp("models")
    return train_model(models_dir=models_dir, holdout=0.0, version="test-model")


@pytest.fixture(scope="session")
def models_dir(trained: TrainResult) -> Path:
    """The directory holding the session model."""
    return trained.path.parent


@pytest.fixture(scope="session")
def model(trained: TrainResult) -> FeedbackModel:
    """The session model, loaded through the verified loader."""
    return load_model(trained.path)
