"""The write path is framework-free: importing it loads no web framework nor HTTP schema."""

from __future__ import annotations

import subprocess
import sys
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.feedback import ingest
from feedback_ai.feedback.items import FeedbackCreate, ItemError, parse_items
from feedback_ai.feedback.models import Feedback
from feedback_ai.ml import predict
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.requirements.service import link_pending

HTTP_MODULES = ("fastapi", "starlette", "feedback_ai.api_errors", "feedback_ai.feedback.schemas")


def test_write_path_imports_no_http_module() -> None:
    code = (
        "import sys, feedback_ai.feedback.ingest, feedback_ai.requirements.linking; "
        f"print([m for m in {HTTP_MODULES!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_item_errors_are_plain_data() -> None:
    parsed = parse_items([None, {"source": "survey"}], max_text_chars=100)
    assert all(isinstance(p, ItemError) for p in parsed)
    assert parsed[0].errors[0].field == "item"
    assert parsed[1].errors[0].field == "text"


class _Queue:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def submit(self, feedback_ids: list[str]) -> None:
        self.ids += feedback_ids


def test_new_ids_are_handed_to_linking_and_before_commit_joins_the_transaction(
    session: Session, model
) -> None:
    queue, seen = _Queue(), []
    items = [
        FeedbackCreate(text="Please add SSO with Okta.", source="sales_note", external_id="a"),
        FeedbackCreate(text="Dark mode please.", source="survey", external_id="b"),
    ]
    out = ingest.ingest(
        session=session,
        items=items,
        classify=partial(predict, model),
        link=queue,
        before_commit=lambda s, outcomes: seen.append([o.status for o in outcomes]),
    )
    assert queue.ids == [o.feedback.id for o in out]
    assert seen == [["created", "created"]]
    again = ingest.ingest(
        session=session, items=items, classify=partial(predict, model), link=queue
    )
    assert [o.status for o in again] == ["replayed", "replayed"] and len(queue.ids) == 2
    assert session.scalar(select(func.count()).select_from(Feedback)) == 2
    # Linking without the app: the plain service function links what is pending.
    report = link_pending(session=session)
    assert report.linked >= 1 and not report.failed
    assert session.scalar(select(func.count()).select_from(RequirementEvidence)) == report.linked
    assert link_pending(session=session).linked == 0
