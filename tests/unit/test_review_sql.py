"""The review modules' bulk SQL helpers."""

from __future__ import annotations

import pytest

from feedback_ai.review import sql
from feedback_ai.review.models import ReviewItem


def test_chunks_cover_every_value_once_in_order_within_the_bound() -> None:
    values = list(range(2 * sql.CHUNK + 7))
    parts = list(sql.chunks(values))
    assert [len(p) for p in parts] == [sql.CHUNK, sql.CHUNK, 7]
    assert [v for p in parts for v in p] == values


def test_chunks_of_nothing_is_no_statement_and_size_is_checked() -> None:
    assert list(sql.chunks([])) == []
    assert list(sql.chunks("abcde", size=2)) == ["ab", "cd", "e"]
    with pytest.raises(ValueError, match="at least 1"):
        list(sql.chunks([1], size=0))


def test_table_is_the_mapped_class_core_table() -> None:
    assert sql.table(ReviewItem).name == ReviewItem.__tablename__
