"""Tables for discovered theme proposals, accepted custom themes and human theme labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback_ai.db import Base, utcnow
from feedback_ai.ids import new_id

PROPOSAL_STATUSES = ("proposed", "accepted", "dismissed")


class ThemeProposal(Base):
    """A cluster of unassigned feedback offered as a new theme; its fingerprint is unique."""

    __tablename__ = "theme_proposal"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    name: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    stems: Mapped[list[Any]] = mapped_column(default=list)
    feedback_ids: Mapped[list[Any]] = mapped_column(default=list)
    example_ids: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer)
    cohesion: Mapped[float] = mapped_column(Float)
    theme_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class CustomTheme(Base):
    """A theme a PM accepted; its id is kept for ever, its name may change."""

    __tablename__ = "custom_theme"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    proposal_id: Mapped[str | None] = mapped_column(
        ForeignKey("theme_proposal.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThemeLabel(Base):
    """A human theme label on a feedback item: a training example for the next retrain."""

    __tablename__ = "theme_label"

    feedback_id: Mapped[str] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    origin: Mapped[str] = mapped_column(String(32), default="proposal")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
