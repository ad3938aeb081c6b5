"""Small builders for test data and API keys."""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from feedback_ai.auth import service as auth_service
from feedback_ai.db import make_sessionmaker

_seq = count(1)

TEXTS = [
    "The CSV export on the pipeline report times out. Please add scheduled exports.",
    "Love the new dashboard, it is so much faster!",
    "How do I reset my password? Email me at jane@example.com",
    "We need SSO with Okta before we can roll out to the whole company.",
    "The iOS app crashes every time I upload a photo.",
]


def feedback_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/feedback body with a fresh external_id."""
    n = next(_seq)
    body: dict[str, Any] = {
        "text": TEXTS[n % len(TEXTS)],
        "source": "support_ticket",
        "external_id": f"ext-{n}",
        "account_id": "acc-1",
        "account_name": "Northwind",
        "arr": 12000.5,
        "plan": "pro",
        "segment": "smb",
        "received_at": f"2026-11-{(n % 27) + 1:02d}T10:00:00Z",
        "metadata": {"priority": "high"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def make_key(engine: Engine, role: str, name: str | None = None) -> str:
    """Store a key with `role` and return its token."""
    with make_sessionmaker(engine)() as session:
        _key, token = auth_service.create_key(session=session, name=name or role, role=role)
    return token


def headers(token: str) -> dict[str, str]:
    """Auth headers for a token."""
    return {"X-API-Key": token}


def count_rows(engine: Engine, model: type) -> int:
    """Rows in the table of `model`."""
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# Two clearly separate topics, for theme discovery (engine and API tests).
INVOICES = [
    "The invoice PDF shows the wrong VAT number",
    "VAT is missing on our invoice again",
    "Invoice totals ignore the VAT exemption for our EU entity",
    "Can the invoice show our VAT id and PO number?",
    "Our accountant says the invoice VAT rate is wrong",
    "Please fix VAT on invoices for German customers",
]
CALENDAR = [
    "Calendar sync with Outlook drops recurring meetings",
    "Outlook calendar events appear twice after sync",
    "Recurring meetings vanish from the Outlook calendar",
    "Calendar sync to Outlook is one day off for meetings",
    "Meetings created in Outlook never reach the calendar",
    "Two-way Outlook calendar sync loses meeting notes",
]


def serve_model(engine: Engine, path: Path) -> None:
    """Register the model at `path` and make it the champion, as a first `feedback-ai train` does."""
    from feedback_ai.serving import champion, registry

    with make_sessionmaker(engine)() as session:
        record = registry.register_model(session=session, path=path, actor="tests")
        if champion.champion_version(session=session) != record.version:
            champion.promote(session=session, version=record.version, actor="tests")


def copy_model_as(source: Path, target: Path, version: str) -> Path:
    """A copy of a model folder whose manifest names another version: registrable, consistent
    with its manifest, but refused at load time (the pickle still holds the source's version)."""
    import json
    import shutil

    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
    return target
