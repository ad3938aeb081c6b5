"""Tables of the model registry, the champion pointer and the pointer's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback_ai.db import Base, utcnow

MODEL_STATUSES = ("challenger", "champion", "retired", "refused")
CHAMPION_ROW = 1


class ModelRecord(Base):
    """A model this install trusts: its artifact's sha256 is checked before every unpickling."""

    __tablename__ = "model_registry"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="challenger", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(200))
    # When the artifact was trained (its manifest), and when this install started trusting it.
    trained_at: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChampionPointer(Base):
    """The one row naming the model every server serves; changed by promotion or rollback only."""

    __tablename__ = "model_champion"

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, default=CHAMPION_ROW
    )
    version: Mapped[str] = mapped_column(ForeignKey("model_registry.version", ondelete="RESTRICT"))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChampionChange(Base):
    """One move of the champion pointer: who, when, from which model to which, and why."""

    __tablename__ = "model_champion_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))  # promote | rollback
    from_version: Mapped[str | None] = mapped_column(String(64))
    to_version: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    # A promotion that a rollback has undone; the next rollback goes one step further back.
    undone: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
