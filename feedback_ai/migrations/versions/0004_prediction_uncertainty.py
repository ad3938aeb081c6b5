"""Store each prediction's uncertainty, the review queue's active-learning key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """prediction.uncertainty in [0, 1]; rows stored before it are unknown (null)."""
    with op.batch_alter_table("prediction") as batch:
        batch.add_column(sa.Column("uncertainty", sa.Float(), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("prediction") as batch:
        batch.drop_column("uncertainty")
