"""Serve models without a kind head (nullable prediction.kind), wider kind and audit actor.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Kind and its score may be null; kinds up to 64 chars; actors hold 'key:' + 100 chars."""
    with op.batch_alter_table("prediction") as batch:
        batch.alter_column("kind", existing_type=sa.String(32), type_=sa.String(64), nullable=True)
        batch.alter_column("kind_score", existing_type=sa.Float(), nullable=True)
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column(
            "actor", existing_type=sa.String(100), type_=sa.String(128), nullable=False
        )


def downgrade() -> None:
    """Back to required kinds; predictions without a kind get 'other' (score 0)."""
    pred = sa.table("prediction", sa.column("kind", sa.String), sa.column("kind_score"))
    op.execute(pred.update().where(pred.c.kind.is_(None)).values(kind="other"))
    op.execute(pred.update().where(pred.c.kind_score.is_(None)).values(kind_score=0.0))
    op.execute(
        pred.update()
        .where(sa.func.length(pred.c.kind) > 32)
        .values(kind=sa.func.substr(pred.c.kind, 1, 32))
    )
    audit = sa.table("audit_log", sa.column("actor", sa.String))
    op.execute(
        audit.update()
        .where(sa.func.length(audit.c.actor) > 100)
        .values(actor=sa.func.substr(audit.c.actor, 1, 100))
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column(
            "actor", existing_type=sa.String(128), type_=sa.String(100), nullable=False
        )
    with op.batch_alter_table("prediction") as batch:
        batch.alter_column("kind_score", existing_type=sa.Float(), nullable=False)
        batch.alter_column("kind", existing_type=sa.String(64), type_=sa.String(32), nullable=False)
