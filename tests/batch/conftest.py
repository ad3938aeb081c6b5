"""Inputs for the engine tests: varied items, cut into chunks of uneven size."""

from __future__ import annotations

import pytest

from feedback_ai.ml import FeedbackInput
from tests.factories import CALENDAR, INVOICES, TEXTS

ODD = ["", "   ", "🙂🙂", "Das ist ein Fehler in der App", "x" * 3000, "Call me at +1 415 555 0100"]


@pytest.fixture(scope="session")
def items() -> list[FeedbackInput]:
    """About 100 items: typical tickets, PII, odd input, several sources."""
    texts = (TEXTS + INVOICES + CALENDAR + ODD) * 4
    sources = ["support_ticket", "app_review", "sales_note", "survey", "other"]
    return [FeedbackInput(text=t, source=sources[i % len(sources)]) for i, t in enumerate(texts)]


@pytest.fixture(scope="session")
def chunks(items: list[FeedbackInput]) -> list[list[FeedbackInput]]:
    """The items in chunks of 1, 7, 13, ... (uneven, so order mistakes show)."""
    out, start, size = [], 0, 1
    while start < len(items):
        out.append(items[start : start + size])
        start, size = start + size, size + 6
    return out


def same_predictions(got: list, expected: list) -> None:
    """Item for item, the fields a reader sees, then the whole prediction."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert (g.kind, g.kind_scores, g.themes, g.candidates, g.masked_text) == (
            e.kind, e.kind_scores, e.themes, e.candidates, e.masked_text,
        )  # fmt: skip
        assert g == e
