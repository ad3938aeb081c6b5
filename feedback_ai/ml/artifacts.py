"""Versioned model artifacts: save with a manifest of hashes and versions, load only when they match."""

from __future__ import annotations

import hashlib
import io
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import joblib

from feedback_ai.errors import ArtifactError
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.text.nlp import spacy_package_name

ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"
METRICS = "metrics.json"
CARD = "MODEL_CARD.md"
# Pickles are only portable within these minor versions.
_PINNED = ("scikit-learn", "spacy", "numpy", "scipy")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of everything an artifact depends on."""
    names = ["feedback-ai", *_PINNED, "joblib", "model2vec", spacy_package_name().replace("_", "-")]
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git_sha() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def save_model(
    model: FeedbackModel, directory: Path, *, metrics: dict, card: str, data: dict
) -> Path:
    """Write the artifact, metrics, card and a manifest with every file's sha256."""
    directory.mkdir(parents=True, exist_ok=False)
    joblib.dump(model, directory / ARTIFACT, compress=3)
    (directory / METRICS).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    (directory / CARD).write_text(card)
    manifest = {
        "version": model.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_sha": _git_sha(),
        "files": {
            p.name: sha256_file(p) for p in sorted(directory.iterdir()) if p.name != MANIFEST
        },
        "data": data,
        "labels": {"kinds": model.kinds, "themes": model.taxonomy.ids},
        "libraries": library_versions(),
        "embeddings": getattr(model.featurizer, "embeddings_fingerprint_", None),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return directory


def read_manifest(directory: Path) -> dict:
    """The manifest of an artifact directory."""
    try:
        return json.loads((Path(directory) / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ArtifactError(
            f"{directory} has no readable {MANIFEST}; retrain with `feedback-ai train`."
        ) from e


def verify(directory: Path) -> dict:
    """Check every file's sha256 and the library versions; return the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    files = manifest.get("files", {})
    if ARTIFACT not in files:
        raise ArtifactError(f"{directory}: manifest lists no {ARTIFACT}.")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file() or sha256_file(path) != expected:
            raise ArtifactError(
                f"{path}: sha256 does not match the manifest; the artifact was modified or corrupted. "
                "Refusing to load it. Retrain with `feedback-ai train`."
            )
    current = library_versions()
    for name in _PINNED:
        built = manifest.get("libraries", {}).get(name, "")
        if built.split(".")[:2] != current.get(name, "").split(".")[:2]:
            raise ArtifactError(
                f"{directory} was built with {name} {built}, but {current.get(name)} is installed. "
                "Retrain with `feedback-ai train` (or install the version the model was built with)."
            )
    return manifest


def load_model(directory: Path | str, *, sha256: str | None = None) -> FeedbackModel:
    """Load a model only after its hashes and library versions check out.

    With `sha256` (the registry's record), the artifact's bytes are read once, hashed and then
    unpickled from memory: a file swapped after the check is never the one unpickled.
    """
    directory = Path(directory)
    manifest = verify(directory)
    source: Path | io.BytesIO = directory / ARTIFACT
    if sha256 is not None:
        data = (directory / ARTIFACT).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArtifactError(
                f"{directory / ARTIFACT}: sha256 does not match the model registry's record; "
                "refusing to load it."
            )
        source = io.BytesIO(data)
    try:
        model = joblib.load(source)
    except (ImportError, AttributeError) as e:
        # Saved by a feedback-ai whose classes lived elsewhere (e.g. before ml/ was split by concern).
        raise ArtifactError(
            f"{directory} was saved by another feedback-ai version ({e}). "
            "Retrain with `feedback-ai train`."
        ) from e
    if not isinstance(model, FeedbackModel) or model.version != manifest.get("version"):
        raise ArtifactError(f"{directory}: the artifact is not the model its manifest describes.")
    fingerprint = manifest.get("embeddings")
    if fingerprint is not None:
        from feedback_ai.ml.features.embeddings import embeddings_fingerprint

        if embeddings_fingerprint() != fingerprint:
            raise ArtifactError(
                f"{directory} was fit on other static embeddings than the installed ones. "
                "Retrain with `feedback-ai train`."
            )
    return model


def latest_version(models_dir: Path | str) -> str | None:
    """The newest artifact directory under `models_dir` that has a manifest."""
    root = Path(models_dir)
    if not root.is_dir():
        return None
    found = []
    for child in root.iterdir():
        if (child / MANIFEST).is_file() and (child / ARTIFACT).is_file():
            try:
                found.append((read_manifest(child).get("created_at", ""), child.name))
            except ArtifactError:
                continue
    return max(found)[1] if found else None


def resolve_model_dir(models_dir: Path | str, version_or_dir: str | None = None) -> Path:
    """A version name under `models_dir`, a directory path, or the latest version."""
    if version_or_dir:
        candidate = Path(version_or_dir)
        if (candidate / MANIFEST).is_file():
            return candidate
        candidate = Path(models_dir) / version_or_dir
        if (candidate / MANIFEST).is_file():
            return candidate
        raise ArtifactError(
            f"No model {version_or_dir!r} in {models_dir}; run `feedback-ai train`."
        )
    version = latest_version(models_dir)
    if version is None:
        raise ArtifactError(f"No trained model in {models_dir}; run `feedback-ai train`.")
    return Path(models_dir) / version
