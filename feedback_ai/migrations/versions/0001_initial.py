"""Initial schema: feedback, predictions, candidate requirements, API keys, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from feedback_ai.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id(name: str = "id", **kw: Any) -> sa.Column:
    return sa.Column(name, sa.String(36), **kw)


def upgrade() -> None:
    """Create the tables of the first release."""
    op.create_table(
        "api_key",
        _id(primary_key=True),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "audit_log",
        _id(primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False, index=True),
        _id("actor_key_id", nullable=True, index=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("target_type", sa.String(32), nullable=True),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["actor_key_id"], ["api_key.id"], ondelete="SET NULL"),
    )
    op.create_table(
        "feedback",
        _id(primary_key=True),
        sa.Column("source", sa.String(32), nullable=False, index=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("masked_text", sa.Text(), nullable=False),
        sa.Column("account_id", sa.String(255), nullable=True, index=True),
        sa.Column("account_name", sa.String(255), nullable=True),
        sa.Column("arr", sa.Numeric(14, 2, asdecimal=False), nullable=True),
        sa.Column("plan", sa.String(64), nullable=True),
        sa.Column("segment", sa.String(64), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        _id("created_by_key_id", nullable=True),
        sa.ForeignKeyConstraint(["created_by_key_id"], ["api_key.id"], ondelete="SET NULL"),
        sa.UniqueConstraint("source", "external_id", name="uq_feedback_source_external_id"),
    )
    op.create_index("ix_feedback_received_at_id", "feedback", ["received_at", "id"])
    op.create_table(
        "prediction",
        _id(primary_key=True),
        _id("feedback_id", nullable=False, index=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("kind_score", sa.Float(), nullable=False),
        sa.Column("kind_scores", sa.JSON(), nullable=False),
        sa.Column("theme_scores", sa.JSON(), nullable=False),
        sa.Column("unassigned", sa.Boolean(), nullable=False),
        sa.Column("explanations", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "uq_prediction_current",
        "prediction",
        ["feedback_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "prediction_theme",
        _id("prediction_id", primary_key=True),
        sa.Column("theme_id", sa.String(64), primary_key=True, index=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["prediction_id"], ["prediction.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "candidate_requirement",
        _id(primary_key=True),
        _id("prediction_id", nullable=False, index=True),
        _id("feedback_id", nullable=False, index=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("masked_sentence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("masked_start", sa.Integer(), nullable=False),
        sa.Column("masked_end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["prediction_id"], ["prediction.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    """Drop every table of the first release."""
    for table in (
        "candidate_requirement",
        "prediction_theme",
        "prediction",
        "feedback",
        "audit_log",
        "api_key",
    ):
        op.drop_table(table)
