"""Builders for import tests: messy files whose true counts are known by construction."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.jobs.models import ImportJob, QuarantinedRow
from tests.factories import TEXTS

MAPPING = {"text_columns": ["subject", "body"], "id_column": "id", "date_column": "date",
           "account_column": "account", "source": "support_ticket"}  # fmt: skip
OPTIONS = {"preset": None, "format": "csv", "mapping": MAPPING}


@dataclass(frozen=True)
class Expected:
    """What an import of the generated file must end with."""

    read: int
    imported: int
    duplicates: int
    quarantined: int


def write_tickets(path: Path, n: int, *, prefix: str = "t") -> Expected:
    """A CSV of `n` rows: every 10th repeats an earlier ticket (a duplicate), every 25th has no
    text, every 40th a bad date, with quotes, commas and newlines inside fields."""
    duplicates = quarantined = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "subject", "body", "date", "account"])
        for i in range(n):
            ident, body, date = (
                f"{prefix}-{i}",
                f'{TEXTS[i % len(TEXTS)]} (#{i}, "ticket")',
                "2026-01-05",
            )
            account = f"acc-{i % 7}"
            if i % 25 == 7:
                body, quarantined = "", quarantined + 1
                writer.writerow([ident, "", body, date, "acc"])
                continue
            if i % 40 == 11:
                date, quarantined = "not a date", quarantined + 1
            elif i % 10 == 3 and i > 10:
                # The same ticket exported again: same id, same content.
                ident, body, account = f"{prefix}-0", f'{TEXTS[0]} (#0, "ticket")', "acc-0"
                duplicates += 1
            writer.writerow([ident, "Subject\nline", body, date, account])
    return Expected(n, n - duplicates - quarantined, duplicates, quarantined)


def assert_job_counts(
    session: Session, job: ImportJob, expected: Expected, *, stored: int | None = None
) -> None:
    """The job's counters, the stored rows (`stored`, default: the job's) and the quarantine
    all agree with `expected`."""
    session.expire_all()
    job = session.get(ImportJob, job.id)
    assert job is not None
    got = Expected(job.read_count, job.imported, job.duplicates, job.quarantined)
    assert got == expected
    assert job.read_count == job.imported + job.duplicates + job.quarantined
    assert job.checkpoint == expected.read
    total = session.scalar(select(func.count()).select_from(Feedback))
    assert total == (expected.imported if stored is None else stored)
    rows = session.scalar(
        select(func.count()).select_from(QuarantinedRow).where(QuarantinedRow.job_id == job.id)
    )
    assert rows == expected.quarantined
