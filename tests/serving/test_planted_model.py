"""Only registered models are unpickled: a folder planted in models/ never runs its pickle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.ml.artifacts import ARTIFACT, MANIFEST, sha256_file
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.serving import champion, registry
from feedback_ai.settings import Settings
from tests.factories import copy_model_as, headers, make_key, serve_model
from tests.serving.conftest import plant_model

pytestmark = pytest.mark.slow


def _settings(database_url: str, models_dir: Path) -> Settings:
    return Settings(database_url=database_url, models_dir=models_dir, model_watch_s=0.2)


def test_a_planted_folder_is_never_unpickled_and_the_champion_serves(
    database_url: str, engine: Engine, session: Session, tmp_path: Path, trained: TrainResult
) -> None:
    from feedback_ai.main import create_app

    models_dir = tmp_path / "models"
    served = copy_model_as(trained.path, models_dir / "old", trained.version)  # same version
    serve_model(engine, served)
    marker = tmp_path / "pwned"
    plant_model(models_dir, marker)  # newer than every other folder, manifest consistent
    with TestClient(create_app(_settings(database_url, models_dir))) as client:
        ingest = make_key(engine, "ingest")
        r = client.post("/v1/classify", json={"items": [{"text": "Please add SSO"}]},
                        headers=headers(ingest))  # fmt: skip
        assert r.status_code == 200 and r.json()["model_version"] == trained.version
        assert client.get("/readyz").json()["model_version"] == trained.version
    assert not marker.exists()


def test_a_planted_folder_with_an_empty_registry_loads_nothing(
    database_url: str, engine: Engine, session: Session, tmp_path: Path
) -> None:
    from feedback_ai.main import create_app

    marker = tmp_path / "pwned"
    plant_model(tmp_path / "models", marker)
    with TestClient(create_app(_settings(database_url, tmp_path / "models"))) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["model_loaded"] is False
    assert not marker.exists()


def test_a_champion_replaced_on_disk_is_refused_and_the_previous_one_serves(
    database_url: str,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    trained: TrainResult,
    second_model: TrainResult,
) -> None:
    """The registered champion's pickle is swapped for a payload (manifest fixed up to match):
    its sha256 differs from the registry's record, so it is refused unread, and the server
    starts on the champion before it instead of on nothing."""
    from feedback_ai.main import create_app

    serve_model(engine, second_model.path)
    victim = copy_model_as(trained.path, tmp_path / "champion", "victim")
    registry.register_model(session=session, path=victim, actor="t")
    champion.promote(session=session, version="victim", actor="t")
    marker = tmp_path / "pwned"
    payload = plant_model(tmp_path / "staging", marker, version="victim")
    (victim / ARTIFACT).write_bytes((payload / ARTIFACT).read_bytes())
    manifest = json.loads((victim / MANIFEST).read_text())
    manifest["files"][ARTIFACT] = sha256_file(victim / ARTIFACT)
    (victim / MANIFEST).write_text(json.dumps(manifest))
    with TestClient(create_app(_settings(database_url, tmp_path / "models"))) as client:
        admin = make_key(engine, "admin")
        listed = client.get("/v1/models", headers=headers(admin)).json()
        assert listed["champion"] == "victim" and listed["serving"] == second_model.version
        assert "sha256" in listed["serving_error"]
    assert not marker.exists()


def test_the_planted_payload_is_real(tmp_path: Path) -> None:
    """Control: the payload runs when a folder is loaded without the registry (as `serve` once
    did with the newest folder), so the tests above would notice an unpickling."""
    from feedback_ai.errors import ArtifactError
    from feedback_ai.ml import load_model

    marker = tmp_path / "pwned"
    folder = plant_model(tmp_path / "models", marker)
    with pytest.raises(ArtifactError):
        load_model(folder)
    assert marker.read_text() == "pwned"
    marker.unlink()
    with pytest.raises(ArtifactError, match="registry"):
        load_model(folder, sha256="0" * 64)  # the registry's record: checked before unpickling
    assert not marker.exists()
