"""Artifacts: save -> load round-trip, tamper detection, version checks, model card."""

import json
import shutil

import pytest

from feedback_ai.errors import ArtifactError
from feedback_ai.ml import FeedbackInput, latest_version, load_model, predict, resolve_model_dir
from feedback_ai.ml.artifacts import MANIFEST, sha256_file


def test_round_trip_predicts_the_same(trained, model) -> None:
    again = load_model(trained.path)
    items = [FeedbackInput("Please add SAML SSO with Okta", "sales_note")]
    assert predict(again, items)[0].to_dict() == predict(model, items)[0].to_dict()
    assert again.version == "test-model"


def test_directory_has_manifest_card_and_metrics(trained) -> None:
    names = {p.name for p in trained.path.iterdir()}
    assert {"model.joblib", "manifest.json", "metrics.json", "MODEL_CARD.md"} <= names
    manifest = json.loads((trained.path / MANIFEST).read_text())
    assert set(manifest["files"]) == names - {MANIFEST}
    assert len(manifest["data"]["sha256"]) == 64
    assert manifest["labels"]["kinds"] and len(manifest["labels"]["themes"]) >= 15
    assert {"scikit-learn", "spacy", "numpy", "python"} <= set(manifest["libraries"])
    metrics = json.loads((trained.path / "metrics.json").read_text())
    assert metrics["golden"]["kind"]["accuracy"] > 0.6


def test_tampered_artifact_is_refused(trained, tmp_path) -> None:
    copy = tmp_path / "tampered"
    shutil.copytree(trained.path, copy)
    with (copy / "model.joblib").open("ab") as f:
        f.write(b"\x00evil")
    with pytest.raises(ArtifactError, match="sha256"):
        load_model(copy)


def test_incompatible_library_version_is_refused(trained, tmp_path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(trained.path, copy)
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["libraries"]["scikit-learn"] = "0.24.2"
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="Retrain with `feedback-ai train`"):
        load_model(copy)


def test_artifact_of_an_older_layout_is_refused_not_crashed(trained, tmp_path) -> None:
    # Pickles name classes by module path: one saved before ml/ was split names feedback_ai.ml.pipeline.
    copy = tmp_path / "old-layout"
    shutil.copytree(trained.path, copy)
    (copy / "model.joblib").write_bytes(b"\x80\x04cfeedback_ai.ml.pipeline\nFeedbackModel\n)\x81.")
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["files"]["model.joblib"] = sha256_file(copy / "model.joblib")
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="Retrain with `feedback-ai train`"):
        load_model(copy)


def test_missing_manifest_is_refused(trained, tmp_path) -> None:
    copy = tmp_path / "bare"
    shutil.copytree(trained.path, copy)
    (copy / MANIFEST).unlink()
    with pytest.raises(ArtifactError):
        load_model(copy)


def test_latest_and_resolve(trained, models_dir) -> None:
    assert latest_version(models_dir) == "test-model"
    assert resolve_model_dir(models_dir, None) == trained.path
    assert resolve_model_dir(models_dir, str(trained.path)) == trained.path
    with pytest.raises(ArtifactError, match="No model"):
        resolve_model_dir(models_dir, "nope")
