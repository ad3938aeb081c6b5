"""Feedback service functions, called without HTTP."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.feedback import ingest, items, service
from feedback_ai.feedback.models import Feedback, Prediction
from feedback_ai.feedback.schemas import FeedbackCreate, FeedbackFilter
from feedback_ai.ml import predict


def _item(**kw: object) -> FeedbackCreate:
    data = {"text": "Please add SSO with Okta.", "source": "sales_note", **kw}
    return FeedbackCreate.model_validate(data)


class TestIngest:
    """ingest(): store new items, answer replays and conflicts."""

    def test_new_replayed_and_conflicting(self, session: Session, model) -> None:
        classify = partial(predict, model)
        first = ingest.ingest(
            session=session, classify=classify, items=[_item(external_id="a"), _item()]
        )
        assert [o.status for o in first] == ["created", "created"]
        again = ingest.ingest(
            session=session,
            classify=classify,
            items=[
                _item(external_id="a"),
                _item(external_id="a", text="Different"),
                _item(external_id="b"),
                _item(external_id="b"),
            ],
        )
        assert [o.status for o in again] == ["replayed", "conflict", "created", "replayed"]
        assert again[0].feedback.id == first[0].feedback.id
        assert again[2].feedback.id == again[3].feedback.id
        assert session.scalar(select(func.count()).select_from(Feedback)) == 3
        assert session.scalar(select(func.count()).select_from(Prediction)) == 3

    def test_replays_are_not_sent_to_the_model(self, session: Session, model) -> None:
        seen: list[int] = []

        def counting(items):
            seen.append(len(items))
            return predict(model, items)

        ingest.ingest(session=session, classify=counting, items=[_item(external_id="z")])
        ingest.ingest(session=session, classify=counting, items=[_item(external_id="z")])
        assert seen == [1, 0]

    def test_content_hash_ignores_unset_optional_fields(self) -> None:
        assert items.content_hash(_item()) == items.content_hash(_item(account_id=None))
        assert items.content_hash(_item()) != items.content_hash(_item(text="other"))


class TestParseItems:
    """parse_items(): each raw item on its own."""

    def test_errors_name_the_field(self) -> None:
        parsed = items.parse_items(
            [
                {"text": "ok", "source": "survey"},
                {"source": "survey"},
                {"text": "abcdef", "source": "survey"},
            ],
            max_text_chars=5,
        )
        assert isinstance(parsed[0], FeedbackCreate)
        assert parsed[1].errors[0].field == "text"
        assert parsed[2].errors[0].type == "string_too_long"


class TestListFeedback:
    """list_feedback() and cursors."""

    def test_cursor_round_trip_and_bad_cursors(self, session: Session, model) -> None:
        items = [_item(external_id=str(i), received_at="2026-05-01T00:00:00Z") for i in range(5)]
        ingest.ingest(session=session, classify=partial(predict, model), items=items)
        seen, cursor = [], None
        while True:
            rows, cursor = service.list_feedback(
                session=session, filters=FeedbackFilter(), cursor=cursor, limit=2
            )
            seen += [r.id for r in rows]
            if cursor is None:
                break
        assert len(seen) == 5 and seen == sorted(seen, reverse=True)
        for bad in ("!!", "bm9wZQ", "WzEsIDJd"):
            with pytest.raises(ValueError, match="cursor"):
                service.decode_cursor(bad)
