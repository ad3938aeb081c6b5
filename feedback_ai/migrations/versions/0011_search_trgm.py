"""Queue text search: a trigram index on feedback.masked_text (PostgreSQL only).

The queue's search is `masked_text ILIKE '%word%'`; without this index PostgreSQL scans every
feedback row for a rare word (630 ms at 100,000 items). SQLite has no such index type: its
search uses an FTS5 trigram table instead (0012).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "ix_feedback_masked_text_trgm"


def upgrade() -> None:
    """Create pg_trgm (a trusted extension: the database owner may) and the GIN index."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON feedback USING gin (masked_text gin_trgm_ops)"
    )


def downgrade() -> None:
    """Drop the index (the extension stays: other objects may use it)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
