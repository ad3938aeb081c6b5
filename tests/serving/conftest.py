"""Fixtures for the serving tier: API keys, and a second real model to swap to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback_ai.ml.training.dataset import load_seed
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.train import TrainResult, train_model
from tests.api.conftest import admin_key, ingest_key, reviewer_key

__all__ = ["admin_key", "ingest_key", "reviewer_key", "second_model"]


@pytest.fixture(scope="session")
def second_model(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """Another real, loadable model (400 seed rows, no embeddings): what a retrain would give."""
    tmp = tmp_path_factory.mktemp("second-model")
    rows = [
        {"text": e.text, "kind": e.kind, "themes": list(e.themes or ())} for e in load_seed()[:400]
    ]
    data = tmp / "seed-part.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    return train_model(
        data=data,
        models_dir=tmp / "models",
        holdout=0.0,
        version="second-model",
        config=FitConfig(use_embeddings=False),
    )


def plant_model(models_dir: Path, marker: Path, version: str = "zz-planted") -> Path:
    """A folder with a self-consistent manifest whose pickle writes `marker` when unpickled."""
    import joblib

    from feedback_ai.ml.artifacts import ARTIFACT, MANIFEST, library_versions, sha256_file

    class Payload:
        def __reduce__(self) -> tuple:
            return (exec, (f"open({str(marker)!r}, 'w').write('pwned')",))

    folder = models_dir / version
    folder.mkdir(parents=True)
    joblib.dump(Payload(), folder / ARTIFACT)
    manifest = {
        "version": version,
        "created_at": "9999-12-31T23:59:59+00:00",  # the newest folder by far
        "files": {ARTIFACT: sha256_file(folder / ARTIFACT)},
        "libraries": library_versions(),
        "labels": {"kinds": [], "themes": []},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder
