"""Tables for review items (the queue), human decisions and the items' theme index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from feedback_ai.db import Base, utcnow
from feedback_ai.ids import new_id

# Literal, not a parameter: the planners match it to the partial indexes' condition.
PENDING = text("status = 'pending'")
ITEM_TYPES = ("candidate", "feedback", "theme_proposal")
# pending: in the queue; superseded: its candidate belongs to an older prediction.
ITEM_STATUSES = ("pending", "accepted", "rejected", "duplicate", "relabelled", "superseded")


class ReviewItem(Base):
    """One thing waiting for (or given) a PM's decision; filter columns show the current values.

    `kind`, `themes` and `statement` hold what the product shows (the latest decision, else the
    model's suggestion) so the queue filters and orders without joins. Where a candidate's
    evidence is (its requirement) is read from the evidence itself.
    """

    __tablename__ = "review_item"
    __table_args__ = (
        UniqueConstraint("item_type", "subject_id", name="uq_review_item_subject"),
        # Items of any status by score, then id (the cursor's tie-break).
        Index("ix_review_item_queue", "status", "score", "id"),
        # The pending queue per filter: the equality filter leads, so a filtered page is read in
        # order (no sort, no scan). Partial: they hold pending items only, and a decision
        # removes an item from them instead of moving it.
        *(
            Index(f"ix_review_item_pending_{name}", name, "score", "id",
                  sqlite_where=PENDING, postgresql_where=PENDING)
            for name in ("item_type", "source", "account", "kind")
        ),
        Index("ix_review_item_pending_received", "received_at", "id",
              sqlite_where=PENDING, postgresql_where=PENDING),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(36))
    feedback_id: Mapped[str | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    # The prediction the item's uncertainty and suggestions were read from: a sync refreshes
    # a feedback item once its item has a newer current prediction (a rescore or retrain).
    prediction_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    version: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    uncertainty: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str | None] = mapped_column(String(32))
    account: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(64))
    themes: Mapped[list[Any]] = mapped_column(default=list)
    statement: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime | None]
    leased_by_key_id: Mapped[str | None] = mapped_column(String(36))
    leased_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewItemTheme(Base):
    """One shown theme of one item, one row each so the queue filters by theme on an index."""

    __tablename__ = "review_item_theme"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("review_item.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ReviewDecision(Base):
    """A human decision on one field of one subject: the training data retraining reads.

    The active decision of (subject_type, subject_id, field) is the one with no superseded_by
    that is not an undo; an undo supersedes the decision it took back.
    """

    __tablename__ = "review_decision"
    __table_args__ = (
        # The one way in by subject: an index on (field, superseded_by) tempted PostgreSQL, on
        # stale statistics, to scan every active decision of a field for each lookup.
        # subject_id leads: lookups pass hundreds of ids in one IN list, which PostgreSQL only
        # turns into index probes on the leading column.
        Index("ix_review_decision_subject", "subject_id", "field"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    item_id: Mapped[str | None] = mapped_column(
        ForeignKey("review_item.id", ondelete="SET NULL"), index=True
    )
    feedback_id: Mapped[str | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    subject_type: Mapped[str] = mapped_column(String(16))  # feedback, candidate, requirement, item
    subject_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))  # kind, themes, statement, title, requirement...
    action: Mapped[str] = mapped_column(String(32))  # accept, reject, edit, relabel, undo, ...
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="SET NULL")
    )
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_role: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    undoes: Mapped[str | None] = mapped_column(String(36))
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
