"""Review items remember the prediction they were read from (refreshed after a rescore).

Candidate items take their candidate's prediction. Feedback items stay null: the next queue
sync refreshes the pending ones from their current prediction (it cannot know which one they
were read from).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add review_item.prediction_id and fill it for candidate items."""
    with op.batch_alter_table("review_item") as batch:
        batch.add_column(sa.Column("prediction_id", sa.String(36), nullable=True))
    item = sa.table(
        "review_item",
        sa.column("item_type", sa.String),
        sa.column("subject_id", sa.String),
        sa.column("prediction_id", sa.String),
    )
    cand = sa.table("candidate_requirement", sa.column("id", sa.String),
                    sa.column("prediction_id", sa.String))  # fmt: skip
    of_candidate = (
        sa.select(cand.c.prediction_id).where(cand.c.id == item.c.subject_id).scalar_subquery()
    )
    op.execute(
        item.update().where(item.c.item_type == "candidate").values(prediction_id=of_candidate)
    )


def downgrade() -> None:
    """Drop review_item.prediction_id."""
    with op.batch_alter_table("review_item") as batch:
        batch.drop_column("prediction_id")
