"""Bulk SQL helpers shared by the review modules: Core tables and bounded IN lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar, cast

from sqlalchemy import Table

# Values per IN list or executemany: far below SQLite's 32,766 bound parameters and PostgreSQL's
# 65,535, and small enough that one statement never holds a write lock for long.
CHUNK = 500

T = TypeVar("T")


def table(model: type) -> Table:
    """The Core table of a mapped class, for bulk statements without per-row ORM work."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    """`values` in consecutive slices of at most `size` (none when `values` is empty)."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    for i in range(0, len(values), size):
        yield values[i : i + size]
