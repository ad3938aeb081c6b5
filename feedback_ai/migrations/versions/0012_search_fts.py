"""Queue text search on SQLite: an FTS5 trigram index of feedback.masked_text (SQLite only).

PostgreSQL answers `masked_text ILIKE '%word%'` from its trigram index (0011); SQLite scanned
every feedback row for a rare word (250 ms at 100,000 items). FTS5's trigram tokenizer (SQLite
3.34+) indexes every three-character run, case-folded, so a MATCH on a phrase finds the rows
holding it as a substring; the search re-checks its LIKE on those rows (review/queue.py).

Kept in sync by triggers on `feedback`, not by the code that writes it: rows arrive through the
ORM, bulk Core inserts (imports, batch jobs, benches, tests) and raw SQL, and a trigger also sees
an UPDATE of masked_text (re-masking) and a DELETE (erasure), whoever makes them.

The index is contentless (no second copy of the text) and keyed by its own INTEGER PRIMARY KEY
in `feedback_search_row`, not by feedback's implicit rowid: VACUUM may renumber an implicit
rowid, which would silently point the index at other rows. Only masked text is indexed: the
original may hold secrets that no search should reveal.

A later migration that rebuilds `feedback` (batch_alter_table on SQLite) drops these triggers
with the old table: it must create them again (TRIGGERS below), or the index goes stale
(tests/review/test_search_fts.py fails).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROW = "(SELECT id FROM feedback_search_row WHERE feedback_id = {0}.id)"
# A contentless FTS5 table forgets a row only when given the values it indexed: OLD has them.
FORGET = (
    "INSERT INTO feedback_search(feedback_search, rowid, masked_text) "
    f"VALUES ('delete', {ROW.format('old')}, old.masked_text);"
)
INDEX = (
    "INSERT INTO feedback_search(rowid, masked_text) "
    f"VALUES ({ROW.format('new')}, new.masked_text);"
)
TRIGGERS = {
    "feedback_search_insert": "AFTER INSERT ON feedback BEGIN "
    "INSERT INTO feedback_search_row(feedback_id) VALUES (new.id); " + INDEX + " END",
    "feedback_search_update": "AFTER UPDATE OF id, masked_text ON feedback BEGIN " + FORGET
    + " UPDATE feedback_search_row SET feedback_id = new.id WHERE feedback_id = old.id; "
    + INDEX + " END",
    "feedback_search_delete": "AFTER DELETE ON feedback BEGIN " + FORGET
    + " DELETE FROM feedback_search_row WHERE feedback_id = old.id; END",
}  # fmt: skip


def upgrade() -> None:
    """Create the row map, the FTS5 table and the triggers; index every existing row."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE feedback_search_row (id INTEGER PRIMARY KEY, "
        "feedback_id VARCHAR(36) NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE feedback_search USING fts5(masked_text, content='', "
        "tokenize='trigram')"
    )
    op.execute("INSERT INTO feedback_search_row(feedback_id) SELECT id FROM feedback")
    op.execute(
        "INSERT INTO feedback_search(rowid, masked_text) SELECT r.id, f.masked_text "
        "FROM feedback_search_row r JOIN feedback f ON f.id = r.feedback_id"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    """Drop the triggers, the index and the row map."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS feedback_search")
    op.execute("DROP TABLE IF EXISTS feedback_search_row")
