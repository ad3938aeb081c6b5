"""Tables for requirements and the evidence that links feedback spans to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_ai.db import Base, utcnow
from feedback_ai.ids import new_id

STATUSES = ("proposed", "accepted", "rejected", "merged", "shipped")


class Requirement(Base):
    """A need many customers share; its id never changes, whatever is retrained or re-run."""

    __tablename__ = "requirement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("requirement.id", ondelete="SET NULL"), index=True
    )
    # Shown title and themes: a PM's decision where there is one, else the model's suggestion.
    themes: Mapped[list[Any]] = mapped_column(default=list)
    # What the model suggested, kept apart so that a relink never overwrites a PM's decision.
    suggested_title: Mapped[str | None] = mapped_column(Text)
    suggested_themes: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    evidence: Mapped[list[RequirementEvidence]] = relationship(
        back_populates="requirement", order_by="RequirementEvidence.created_at",
        passive_deletes=True,
    )  # fmt: skip


class RequirementEvidence(Base):
    """One span of one feedback item supporting a requirement."""

    __tablename__ = "requirement_evidence"
    __table_args__ = (
        UniqueConstraint("requirement_id", "feedback_id", "start", "end", name="uq_evidence_span"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    requirement_id: Mapped[str] = mapped_column(
        ForeignKey("requirement.id", ondelete="CASCADE"), index=True
    )
    feedback_id: Mapped[str] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[str | None] = mapped_column(
        ForeignKey("candidate_requirement.id", ondelete="SET NULL"), index=True
    )
    statement: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requirement: Mapped[Requirement] = relationship(back_populates="evidence")
