"""SQLite's FTS5 trigram index of the masked text (migration 0012): searches led by it find
exactly the rows a scan's LIKE finds, it follows every insert, update and delete of feedback,
and it never holds the original text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, func, insert, inspect, select, text, update
from sqlalchemy.orm import Session

from feedback_ai.db import make_engine, migrate
from feedback_ai.feedback.models import Feedback
from feedback_ai.ids import new_id
from feedback_ai.review import queue

NOW = datetime(2026, 11, 1, tzinfo=UTC)
MASKED = [
    "Okta SSO login fails", "okta sso", "OKTA", "we want 50% off", "50_off promo", "100%_sure",
    "path\\name is wrong", "Café au lait", "CAFÉ NOIR", "école", "École", "straße", "STRASSE",
    "İstanbul office", "emoji 🙂 works", 'she said "quote" twice', "a", "ab", "abc", "",
    "export to PDF", "Export to pdf", "exports", "ＦＵＬＬ width", "σς final sigma", "ΣΣ",
]  # fmt: skip
QUERIES = [
    "okta", "OKTA", "Okta SSO", "sso l", "50%", "%", "_", "%_", "50_", "0% o", "path\\name", "\\",
    "café", "CAFÉ", "école", "ÉCOLE", "straße", "STRASSE", "İstanbul", "istanbul", "🙂", "🙂 w",
    '"quote"', '"', 'said "', "a", "ab", "abc", "xyz", "export", "EXPORT TO", "ｆｕｌｌ", "σς", "σσ",
    "ΣΣ", " ", "  ", "ort to p", "hunter2", "sk_live",
]  # fmt: skip


# The index is SQLite's (PostgreSQL searches with its trigram index, 0011): these tests belong to
# the SQLite pass and are deselected in the PostgreSQL one.
pytestmark = pytest.mark.sqlite


@pytest.fixture
def sqlite(database_url: str) -> None:
    """Guards the marker: this file must never run against another database."""
    assert database_url.startswith("sqlite"), database_url


def _row(masked: str, i: int) -> dict:
    # The original holds secrets the search must never find: only masked text is indexed.
    return dict(id=new_id(), source="other", external_id=f"x{i}",
                text=f"{masked} hunter2 sk_live_4eC39HqLyjWDarjtT1zdp7dc", masked_text=masked,
                extra={}, received_at=NOW, created_at=NOW, content_sha256=f"{i:064d}")  # fmt: skip


def _store(session: Session, texts: list[str]) -> list[str]:
    rows = [_row(t, i) for i, t in enumerate(texts)]
    session.execute(insert(Feedback), rows)
    session.commit()
    return [r["id"] for r in rows]


def _scan(session: Session, q: str) -> set[str]:
    found = select(Feedback.id).where(queue._holds(Feedback.masked_text, queue._like(q), "sqlite"))
    return set(session.scalars(found))


def _indexed(session: Session, q: str) -> set[str]:
    found = select(Feedback.id).where(queue._holds(Feedback.masked_text, queue._like(q), "sqlite"))
    return set(session.scalars(queue._indexed(found, q)))


def _in_index(session: Session, q: str) -> int:
    """Entries of the index itself holding `q` (no LIKE after it)."""
    phrase = '"' + q.lower().replace('"', '""') + '"'
    sql = text("SELECT count(*) FROM feedback_search WHERE feedback_search MATCH :q")
    return int(session.scalar(sql, {"q": phrase}) or 0)


@pytest.mark.parametrize("q", QUERIES)
def test_indexed_search_finds_what_the_scan_finds(session: Session, sqlite, q: str) -> None:
    ids = _store(session, MASKED)
    scanned = _scan(session, q)
    if len(q.lower()) >= queue.TRIGRAM:
        assert _indexed(session, q) == scanned
    assert set(queue.feedback_holding(session, q, limit=100)) == scanned  # the queue's path
    if q.isascii() and "\\" not in q:  # the LIKE's meaning, spelled out: ASCII case folds
        assert scanned == {i for i, t in zip(ids, MASKED, strict=True) if q.lower() in t.lower()}


def test_wildcards_and_case_are_literal_and_ascii_only(session: Session, sqlite) -> None:
    ids = dict(zip(MASKED, _store(session, MASKED), strict=True))
    assert _indexed(session, "50%") == {ids["we want 50% off"]}
    assert _indexed(session, "0_o") == {ids["50_off promo"]}  # not "0% o"
    assert _indexed(session, "%_s") == {ids["100%_sure"]}
    assert _indexed(session, "okta") == {ids["Okta SSO login fails"], ids["okta sso"], ids["OKTA"]}
    # SQLite's LIKE folds ASCII only; the index folds more, and the LIKE still decides.
    assert _in_index(session, "café") == 2
    assert _indexed(session, "café") == {ids["Café au lait"]}
    # The query is lower-cased (Python folds all of it), the text only by ASCII: "CAFÉ" is "café".
    assert _indexed(session, "CAFÉ") == {ids["Café au lait"]} == _scan(session, "CAFÉ")


def test_the_original_text_is_never_indexed(session: Session, sqlite) -> None:
    _store(session, MASKED)
    for secret in ("hunter2", "sk_live", "4eC39HqLyjWDarjtT1zdp7dc"):
        assert _in_index(session, secret) == 0
        assert _indexed(session, secret) == set()


def test_the_index_follows_insert_update_and_delete(session: Session, sqlite) -> None:
    first, second = _store(session, ["needle in a haystack", "plain hay"])
    session.add(Feedback(**_row("an ORM needle", 9)))
    session.commit()
    assert len(_indexed(session, "needle")) == 2 and _in_index(session, "needle") == 2
    # Re-masking rewrites masked_text: the index forgets the old text and learns the new.
    session.execute(update(Feedback).where(Feedback.id == first).values(masked_text="[SECRET]"))
    session.commit()
    assert first not in _indexed(session, "needle") and _in_index(session, "needle") == 1
    assert _indexed(session, "[secret]") == {first}
    # An update of other columns keeps the entry as it was.
    session.execute(update(Feedback).where(Feedback.id == second).values(arr=5.0))
    session.commit()
    assert _indexed(session, "plain hay") == {second}
    session.execute(delete(Feedback).where(Feedback.id == second))
    session.commit()
    assert _indexed(session, "plain hay") == set() and _in_index(session, "plain hay") == 0
    rows = session.scalar(text("SELECT count(*) FROM feedback_search_row"))
    assert rows == session.scalar(select(func.count()).select_from(Feedback)) == 2
    for q in ("needle", "[secret]", "hay", "orm"):
        assert _indexed(session, q) == _scan(session, q)


def test_migration_backfills_and_downgrades(tmp_path, sqlite) -> None:
    eng: Engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(eng, revision="0011")
    with Session(eng) as session:
        ids = _store(session, MASKED)
    assert migrate(eng, revision="0012") == "0012"
    with Session(eng) as session:
        assert len(_scan(session, "okta")) == 3
        assert _indexed(session, "okta") == _scan(session, "okta")
        assert session.scalar(text("SELECT count(*) FROM feedback_search_row")) == len(ids)
    assert migrate(eng, revision="0011", down=True) == "0011"
    names = set(inspect(eng).get_table_names())
    assert not {n for n in names if n.startswith("feedback_search")} and "feedback" in names
    with eng.connect() as conn:
        triggers = conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"))
        assert triggers == 0
        assert conn.scalar(select(func.count()).select_from(Feedback)) == len(ids)
    assert migrate(eng) is not None
    with Session(eng) as session:
        assert _indexed(session, "école") == _scan(session, "école") != set()
    eng.dispose()
