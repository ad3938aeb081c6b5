"""Which registered models a server may serve, best first: pinned or champion, then fallbacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.serving.champion import current_champion
from feedback_ai.serving.models import ChampionChange, ModelRecord
from feedback_ai.serving.registry import find_by_path, list_records


@dataclass(frozen=True, slots=True)
class ModelRef:
    """What a server needs to load a registered model, detached from any session."""

    version: str
    path: str
    sha256: str

    @classmethod
    def of(cls, record: ModelRecord) -> ModelRef:
        """The reference to a registry record."""
        return cls(version=record.version, path=record.path, sha256=record.sha256)


def pinned_record(*, session: Session, pinned: str) -> ModelRecord | None:
    """The registered model FEEDBACK_AI_MODEL_VERSION names, by version or by directory."""
    record = session.get(ModelRecord, pinned)
    if record is None and Path(pinned).is_dir():
        record = find_by_path(session=session, path=pinned)
    return record


def serving_candidates(*, session: Session, pinned: str | None = None) -> list[ModelRef]:
    """Registered models to try at start, in order: the pinned one or the champion, then earlier
    champions (newest first), then any other registered model that was not refused.

    Only registered models appear: a folder that merely sits in models_dir is never a candidate.
    """
    first = (
        pinned_record(session=session, pinned=pinned)
        if pinned
        else current_champion(session=session)
    )
    ordered: list[ModelRecord] = [first] if first is not None else []
    moves = session.scalars(select(ChampionChange).order_by(ChampionChange.id.desc()))
    for move in moves:
        for version in (move.to_version, move.from_version):
            record = session.get(ModelRecord, version) if version else None
            if record is not None and record.status != "refused":
                ordered.append(record)
    ordered += [r for r in list_records(session=session) if r.status != "refused"]
    seen: set[str] = set()
    refs = []
    for record in ordered:
        if record.version not in seen:
            seen.add(record.version)
            refs.append(ModelRef.of(record))
    return refs
