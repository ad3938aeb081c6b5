"""Tables for feedback items, the model's predictions and candidate requirements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_ai.db import Base, utcnow
from feedback_ai.ids import new_id


class Feedback(Base):
    """One piece of customer feedback, as received; never changed by the model."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_feedback_source_external_id"),
        Index("ix_feedback_received_at_id", "received_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(32), index=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    masked_text: Mapped[str] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(String(255), index=True)
    account_name: Mapped[str | None] = mapped_column(String(255))
    arr: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    plan: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_by_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="SET NULL")
    )

    predictions: Mapped[list[Prediction]] = relationship(
        back_populates="feedback", order_by="Prediction.id", passive_deletes=True
    )
    current_prediction: Mapped[Prediction | None] = relationship(
        primaryjoin="and_(Feedback.id == Prediction.feedback_id, Prediction.is_current)",
        viewonly=True,
        uselist=False,
    )


class Prediction(Base):
    """What one model version said about one feedback item; human decisions live elsewhere."""

    __tablename__ = "prediction"
    __table_args__ = (
        Index(
            "uq_prediction_current",
            "feedback_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    feedback_id: Mapped[str] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    # Null when the model was trained without a kind head (themes only).
    kind: Mapped[str | None] = mapped_column(String(64), index=True)
    kind_score: Mapped[float | None] = mapped_column(Float)
    kind_scores: Mapped[dict[str, Any]]
    theme_scores: Mapped[dict[str, Any]]
    unassigned: Mapped[bool] = mapped_column(Boolean)
    explanations: Mapped[list[Any]]
    language: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[Any]]
    # How much a human label would teach the model, in [0, 1]; null for rows stored before it.
    uncertainty: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="predictions")
    themes: Mapped[list[PredictionTheme]] = relationship(
        order_by="PredictionTheme.rank", cascade="all, delete-orphan", passive_deletes=True
    )
    candidates: Mapped[list[CandidateRequirement]] = relationship(
        order_by="CandidateRequirement.rank", cascade="all, delete-orphan", passive_deletes=True
    )


class PredictionTheme(Base):
    """A theme a prediction assigned, with its score; one row each so lists can filter."""

    __tablename__ = "prediction_theme"

    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("prediction.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)


class CandidateRequirement(Base):
    """A sentence the model read as a need, with its statement and evidence spans."""

    __tablename__ = "candidate_requirement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    prediction_id: Mapped[str] = mapped_column(
        ForeignKey("prediction.id", ondelete="CASCADE"), index=True
    )
    feedback_id: Mapped[str] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    masked_sentence: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    masked_start: Mapped[int] = mapped_column(Integer)
    masked_end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
