"""Retrain jobs: a stage and a result on import_job, and at most one retrain queued or running.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ONE_RETRAIN_WHERE = "kind = 'retrain' AND status IN ('queued', 'running')"


def upgrade() -> None:
    """Add import_job.stage and .result, and the partial unique index on running retrains."""
    with op.batch_alter_table("import_job") as batch:
        batch.add_column(sa.Column("stage", sa.String(32), nullable=True))
        batch.add_column(sa.Column("result", sa.JSON(), nullable=True))
    op.create_index(
        "uq_import_job_one_retrain",
        "import_job",
        ["kind"],
        unique=True,
        sqlite_where=sa.text(ONE_RETRAIN_WHERE),
        postgresql_where=sa.text(ONE_RETRAIN_WHERE),
    )


def downgrade() -> None:
    """Drop them again (retrain job rows stay, as jobs of kind 'retrain')."""
    op.drop_index("uq_import_job_one_retrain", table_name="import_job")
    with op.batch_alter_table("import_job") as batch:
        batch.drop_column("result")
        batch.drop_column("stage")
