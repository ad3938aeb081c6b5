"""Alembic migrations, shipped inside the package so `feedback-ai migrate` finds them."""

from __future__ import annotations

# Indexes that only a migration makes, on PostgreSQL only (pg_trgm): a model's Index would be
# made on SQLite too, so autogenerate and the schema test leave these alone.
MIGRATION_ONLY_INDEXES = frozenset({"ix_feedback_masked_text_trgm"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:  # fmt: skip
    """Alembic's include_object: everything but the migration-only indexes of the database."""
    return not (type_ == "index" and reflected and name in MIGRATION_ONLY_INDEXES)
