"""Alembic migrations, shipped inside the package so `feedback-ai migrate` finds them."""

from __future__ import annotations

# Indexes that only a migration makes, on PostgreSQL only (pg_trgm): a model's Index would be
# made on SQLite too, so autogenerate and the schema test leave these alone.
MIGRATION_ONLY_INDEXES = frozenset({"ix_feedback_masked_text_trgm"})
# The SQLite search index (0012): an FTS5 virtual table, its shadow tables (feedback_search_data,
# _idx, _docsize, _config) and its row map. No model describes them: they exist on SQLite only.
MIGRATION_ONLY_TABLE_PREFIX = "feedback_search"


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:  # fmt: skip
    """Alembic's include_object: everything but the migration-only objects of the database."""
    if not reflected or name is None:
        return True
    if type_ == "table":
        return not name.startswith(MIGRATION_ONLY_TABLE_PREFIX)
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)
