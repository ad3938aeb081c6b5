"""The champion pointer: read it, move it by promotion or rollback, and its history."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import record_audit
from feedback_ai.db import utcnow
from feedback_ai.errors import ArtifactError
from feedback_ai.serving.errors import ModelConflict, ModelRejected
from feedback_ai.serving.models import CHAMPION_ROW, ChampionChange, ChampionPointer, ModelRecord
from feedback_ai.serving.registry import check_artifact, get_record, register_model


def champion_version(*, session: Session) -> str | None:
    """The version the pointer names, or None before the first promotion."""
    return session.scalar(select(ChampionPointer.version).where(ChampionPointer.id == CHAMPION_ROW))


def current_champion(*, session: Session) -> ModelRecord | None:
    """The champion's registry record, or None."""
    version = champion_version(session=session)
    return session.get(ModelRecord, version) if version else None


def history(*, session: Session, limit: int = 50) -> list[ChampionChange]:
    """The pointer's moves, newest first."""
    query = select(ChampionChange).order_by(ChampionChange.id.desc()).limit(limit)
    return list(session.scalars(query))


def _move(
    *,
    session: Session,
    record: ModelRecord,
    action: str,
    actor: str,
    reason: str | None,
    actor_key: ApiKey | None,
) -> ChampionChange:
    """Point at `record` in one transaction: the pointer, both models' statuses, the history row."""
    try:
        check_artifact(record=record)  # never point servers at a file that would be refused
    except ArtifactError as e:
        raise ModelRejected(str(e)) from e
    # Lock the pointer row (PostgreSQL) so two promotions cannot both read the same old champion.
    pointer = session.scalars(
        select(ChampionPointer).where(ChampionPointer.id == CHAMPION_ROW).with_for_update()
    ).first()
    previous = pointer.version if pointer else None
    if previous == record.version:
        raise ModelConflict(f"model {record.version!r} is already the champion")
    if pointer is None:
        pointer = ChampionPointer(id=CHAMPION_ROW, version=record.version, changed_by=actor)
        session.add(pointer)
    else:
        pointer.version, pointer.changed_by, pointer.changed_at = record.version, actor, utcnow()
    if previous is not None:
        old = session.get(ModelRecord, previous)
        if old is not None:
            old.status = "retired"
            old.reason = (
                f"{'rolled back' if action == 'rollback' else 'replaced'} by {record.version}"
            )
    record.status, record.reason = "champion", reason
    change = ChampionChange(
        action=action, from_version=previous, to_version=record.version, actor=actor, reason=reason
    )
    session.add(change)
    record_audit(
        session=session, action=f"model.{action}", actor_key=actor_key, actor=actor,
        target_type="model", target_id=record.version,
        detail={"from": previous, "to": record.version, "reason": reason},
    )  # fmt: skip
    return change


def promote(
    *,
    session: Session,
    version: str,
    actor: str,
    reason: str | None = None,
    force: bool = False,
    actor_key: ApiKey | None = None,
) -> ChampionChange:
    """Make a registered model the champion; a refused challenger needs `force`."""
    record = get_record(session=session, version=version)
    if record.status == "refused" and not force:
        raise ModelRejected(
            f"model {version!r} was refused ({record.reason or 'no reason given'}); "
            "promote it with force to override"
        )
    change = _move(
        session=session, record=record, action="promote", actor=actor, reason=reason,
        actor_key=actor_key,
    )  # fmt: skip
    session.commit()
    return change


def rollback(
    *, session: Session, actor: str, reason: str | None = None, actor_key: ApiKey | None = None
) -> ChampionChange:
    """Point back at the champion before the current one's promotion (each rollback steps further)."""
    current = champion_version(session=session)
    if current is None:
        raise ModelConflict("there is no champion to roll back")
    undo = session.scalars(
        select(ChampionChange)
        .where(
            ChampionChange.action == "promote",
            ChampionChange.to_version == current,
            ChampionChange.undone.is_(False),
        )
        .order_by(ChampionChange.id.desc())
    ).first()
    if undo is None or undo.from_version is None:
        raise ModelConflict(
            f"model {current!r} was the first champion; there is nothing to roll back to"
        )
    target = get_record(session=session, version=undo.from_version)
    change = _move(
        session=session, record=target, action="rollback", actor=actor, reason=reason,
        actor_key=actor_key,
    )  # fmt: skip
    undo.undone = True
    session.commit()
    return change


def register_trained(
    *, session: Session, path: Path | str, actor: str
) -> tuple[ModelRecord, ChampionChange | None]:
    """Register a model this install just trained; it becomes champion only if there is none."""
    record = register_model(session=session, path=path, actor=actor)
    if champion_version(session=session) is not None:
        return record, None
    change = promote(session=session, version=record.version, actor=actor, reason="first model")
    return record, change
