"""The registry of trusted models: register one, list them, check an artifact against its record."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.errors import ArtifactError
from feedback_ai.ml.artifacts import ARTIFACT, METRICS, read_manifest, sha256_file, verify
from feedback_ai.serving.errors import ModelConflict, ModelNotFound, ModelRejected
from feedback_ai.serving.models import MODEL_STATUSES, ModelRecord

# Versions name directories and appear in URLs (/v1/models/{version}).
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# The figures a model card leads with: what promotion decisions are made on.
SUMMARY_FIGURES = {
    "kind_macro_f1": ("kind", "macro_f1"),
    "theme_micro_f1": ("themes", "micro_f1"),
    "requirement_sentence_f1": ("requirements", "sentence_f1"),
}


class ArtifactRef(Protocol):
    """A registered model's version, directory and recorded sha256 (a record or a ModelRef)."""

    @property
    def version(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...


def metrics_summary(metrics: dict) -> dict:
    """The headline figures of a metrics.json, per evaluation set (golden, holdout, ...)."""
    summary: dict = {}
    for split, figures in metrics.items():
        if not isinstance(figures, dict):
            continue
        found = {}
        for name, (head, key) in SUMMARY_FIGURES.items():
            value = (
                (figures.get(head) or {}).get(key) if isinstance(figures.get(head), dict) else None
            )
            if isinstance(value, int | float):
                found[name] = value
        if found:
            summary[split] = found | (
                {"n": figures["n"]} if isinstance(figures.get("n"), int) else {}
            )
    return summary


def _read_metrics(directory: Path) -> dict:
    try:
        return json.loads((directory / METRICS).read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def register_model(
    *,
    session: Session,
    path: Path | str,
    actor: str,
    status: str = "challenger",
    reason: str | None = None,
) -> ModelRecord:
    """Trust the model at `path`: check its manifest, record its artifact's sha256 (unpickles nothing).

    Registering the same artifact again is a no-op; another artifact under a taken version is refused.
    """
    if status not in MODEL_STATUSES or status == "champion":
        raise ModelRejected(
            f"a model is registered as challenger, retired or refused, not {status!r}"
        )
    directory = Path(path).resolve()
    try:
        manifest = verify(directory)  # every file's hash matches its manifest, libraries match
    except ArtifactError as e:
        raise ModelRejected(str(e)) from e
    version = str(manifest.get("version") or "")
    if not re.match(VERSION_PATTERN, version):
        raise ModelRejected(
            f"{directory}: version {version!r} is not 1-64 letters, digits, '.', '_' or '-'"
        )
    digest = sha256_file(directory / ARTIFACT)
    existing = session.get(ModelRecord, version)
    if existing is not None:
        if existing.sha256 != digest:
            raise ModelConflict(
                f"model {version!r} is already registered with another artifact "
                f"(sha256 {existing.sha256[:12]}...); retrain under a new version"
            )
        return existing
    record = ModelRecord(
        version=version,
        path=str(directory),
        sha256=digest,
        metrics=metrics_summary(_read_metrics(directory)),
        status=status,
        reason=reason,
        registered_by=actor,
        trained_at=manifest.get("created_at"),
    )
    session.add(record)
    session.commit()
    return record


def get_record(*, session: Session, version: str) -> ModelRecord:
    """The registered model `version`, or ModelNotFound."""
    record = session.get(ModelRecord, version)
    if record is None:
        raise ModelNotFound(f"no registered model {version!r}; see `feedback-ai models list`")
    return record


def list_records(*, session: Session) -> list[ModelRecord]:
    """Every registered model, newest first."""
    query = select(ModelRecord).order_by(ModelRecord.created_at.desc(), ModelRecord.version.desc())
    return list(session.scalars(query))


def set_status(
    *, session: Session, version: str, status: str, reason: str | None = None
) -> ModelRecord:
    """Mark a non-champion model challenger, retired or refused (with the reason, e.g. a retrain's)."""
    record = get_record(session=session, version=version)
    if status not in MODEL_STATUSES or status == "champion":
        raise ModelRejected(f"status must be challenger, retired or refused, not {status!r}")
    if record.status == "champion":
        raise ModelConflict(
            f"model {version!r} is the champion; promote another or roll back first"
        )
    record.status, record.reason = status, reason
    session.commit()
    return record


def check_artifact(*, record: ArtifactRef) -> Path:
    """The record's directory once its artifact still has the recorded sha256 (nothing unpickled).

    Raises ArtifactError when the file is missing or differs: a model never switched to.
    """
    directory = Path(record.path)
    artifact = directory / ARTIFACT
    if not artifact.is_file():
        raise ArtifactError(f"model {record.version}: {artifact} is missing")
    if sha256_file(artifact) != record.sha256:
        raise ArtifactError(
            f"model {record.version}: {artifact} does not have the sha256 recorded when it was "
            "registered; it was modified or replaced. Refusing to load it."
        )
    manifest = read_manifest(directory)
    if manifest.get("version") != record.version:
        raise ArtifactError(
            f"model {record.version}: {directory} holds model {manifest.get('version')!r}"
        )
    return directory


def find_by_path(*, session: Session, path: Path | str) -> ModelRecord | None:
    """The registered model stored in directory `path`, if any."""
    resolved = str(Path(path).resolve())
    return session.scalars(select(ModelRecord).where(ModelRecord.path == resolved)).first()
