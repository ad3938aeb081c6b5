"""The review queue: review items, their theme index, human decisions; requirement suggestions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from feedback_ai.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id(name: str = "id", **kw: Any) -> sa.Column:
    return sa.Column(name, sa.String(36), **kw)


def upgrade() -> None:
    """Create the review tables; requirements keep the model's title and themes apart."""
    op.create_table(
        "review_item",
        _id(primary_key=True),
        sa.Column("item_type", sa.String(16), nullable=False),
        _id("subject_id", nullable=False),
        _id("feedback_id", nullable=True, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("uncertainty", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("source", sa.String(32), nullable=True),
        sa.Column("account", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(64), nullable=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        _id("duplicate_of", nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        _id("leased_by_key_id", nullable=True),
        sa.Column("leased_by", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("item_type", "subject_id", name="uq_review_item_subject"),
    )
    op.create_index("ix_review_item_queue", "review_item", ["status", "score", "id"])
    pending = sa.text("status = 'pending'")
    for name in ("item_type", "source", "account", "kind"):
        op.create_index(
            f"ix_review_item_pending_{name}", "review_item", [name, "score", "id"],
            sqlite_where=pending, postgresql_where=pending,
        )  # fmt: skip
    op.create_index(
        "ix_review_item_pending_received", "review_item", ["received_at", "id"],
        sqlite_where=pending, postgresql_where=pending,
    )  # fmt: skip
    op.create_table(
        "review_item_theme",
        _id("item_id", primary_key=True),
        sa.Column("theme_id", sa.String(64), primary_key=True, index=True),
        sa.ForeignKeyConstraint(["item_id"], ["review_item.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "review_decision",
        _id(primary_key=True),
        _id("item_id", nullable=True, index=True),
        _id("feedback_id", nullable=True, index=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _id("decided_by_key_id", nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("decided_role", sa.String(16), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False, index=True),
        _id("superseded_by", nullable=True),
        _id("undoes", nullable=True),
        _id("batch_id", nullable=True, index=True),
        sa.ForeignKeyConstraint(["item_id"], ["review_item.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_key_id"], ["api_key.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_review_decision_subject", "review_decision", ["subject_id", "field"])
    with op.batch_alter_table("requirement") as batch:
        batch.add_column(sa.Column("suggested_title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("suggested_themes", sa.JSON(), nullable=True))
    # Until now the columns held the model's values (and any PATCH on top): the best suggestion.
    req = sa.table(
        "requirement",
        sa.column("title"), sa.column("themes"),
        sa.column("suggested_title"), sa.column("suggested_themes"),
    )  # fmt: skip
    op.execute(req.update().values(suggested_title=req.c.title, suggested_themes=req.c.themes))


def downgrade() -> None:
    """Drop the review tables and the suggestion columns."""
    with op.batch_alter_table("requirement") as batch:
        batch.drop_column("suggested_themes")
        batch.drop_column("suggested_title")
    for table in ("review_decision", "review_item_theme", "review_item"):
        op.drop_table(table)
