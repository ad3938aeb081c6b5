"""Requirements with evidence, theme proposals, custom themes and theme labels.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from feedback_ai.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _id(name: str = "id", **kw: Any) -> sa.Column:
    return sa.Column(name, sa.String(36), **kw)


def upgrade() -> None:
    """Create the requirement and theme tables."""
    op.create_table(
        "requirement",
        _id(primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        _id("merged_into", nullable=True, index=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into"], ["requirement.id"], ondelete="SET NULL"),
    )
    op.create_table(
        "requirement_evidence",
        _id(primary_key=True),
        _id("requirement_id", nullable=False, index=True),
        _id("feedback_id", nullable=False, index=True),
        _id("candidate_id", nullable=True, index=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["requirement_id"], ["requirement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidate_requirement.id"], ondelete="SET NULL"
        ),
        sa.UniqueConstraint(
            "requirement_id", "feedback_id", "start", "end", name="uq_evidence_span"
        ),
    )
    op.create_table(
        "theme_proposal",
        _id(primary_key=True),
        sa.Column("fingerprint", sa.String(32), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("stems", sa.JSON(), nullable=False),
        sa.Column("feedback_ids", sa.JSON(), nullable=False),
        sa.Column("example_ids", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("cohesion", sa.Float(), nullable=False),
        sa.Column("theme_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "custom_theme",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        _id("proposal_id", nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["theme_proposal.id"], ondelete="SET NULL"),
    )
    op.create_table(
        "theme_label",
        _id("feedback_id", primary_key=True),
        sa.Column("theme_id", sa.String(64), primary_key=True, index=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    """Drop the requirement and theme tables."""
    for table in ("theme_label", "custom_theme", "theme_proposal", "requirement_evidence"):
        op.drop_table(table)
    op.drop_table("requirement")
