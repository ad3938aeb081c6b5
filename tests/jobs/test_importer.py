"""run_import: exact counts on messy files, idempotent re-runs, conflicts and leases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from feedback_ai.batch.engine import InlineEngine
from feedback_ai.db import make_sessionmaker
from feedback_ai.jobs import lease
from feedback_ai.jobs.importer import JobBusy, run_import
from feedback_ai.jobs.models import QuarantinedRow
from feedback_ai.jobs.service import find_or_create_job
from tests.jobs.helpers import OPTIONS, assert_job_counts, write_tickets

SAMPLES = Path(__file__).parents[1] / "imports" / "samples"


class _Queue:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def submit(self, feedback_ids: list[str]) -> None:
        self.ids += feedback_ids


def _run(engine: Engine, model, path: Path, options: dict, **kw):
    factory = make_sessionmaker(engine)
    with factory() as s:
        job, _ = find_or_create_job(session=s, path=path, options=options)
    final = run_import(
        sessionmaker=factory, job_id=job.id, engine=InlineEngine(model), owner="test-owner", **kw
    )
    return job, final


def test_messy_file_counts_add_up_and_a_rerun_imports_nothing(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 230)
    assert expected.duplicates and expected.quarantined
    queue = _Queue()
    job, final = _run(engine, model, path, OPTIONS, batch_size=37, link=queue)
    assert final.status == "succeeded"
    assert_job_counts(session, job, expected)
    assert len(queue.ids) == expected.imported  # every new id was handed to linking
    reasons = set(session.scalars(select(QuarantinedRow.reason)))
    assert reasons == {"missing_text", "bad_date"}
    again, final2 = _run(engine, model, path, OPTIONS, batch_size=50)
    assert again.id != job.id and final2.status == "succeeded"
    assert (final2.imported, final2.duplicates, final2.quarantined) == (
        0, expected.imported + expected.duplicates, expected.quarantined,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("zendesk_tickets.json", "zendesk"),
        ("intercom_conversations.json", "intercom"),
        ("google_play_reviews.csv", "google-play"),
        ("app_store_reviews.json", "app-store"),
        ("salesforce_opportunities.csv", "salesforce"),
        ("survey_nps.csv", "survey"),
    ],
)
def test_every_preset_sample_is_accounted_for(
    session: Session, engine: Engine, model, name: str, preset: str
) -> None:
    options = {"preset": preset, "format": None, "mapping": None}
    _, final = _run(engine, model, SAMPLES / name, options)
    assert final.status == "succeeded", final.error
    assert final.read_count > 0 and final.imported > 0
    assert final.read_count == final.imported + final.duplicates + final.quarantined


def test_same_id_other_content_is_quarantined_as_a_conflict(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "id,subject,body,date,account\n1,a,Please add SSO,2026-01-01,x\n"
        "1,a,Something else entirely,2026-01-01,x\n1,a,Please add SSO,2026-01-01,x\n"
    )
    _, final = _run(engine, model, path, OPTIONS)
    assert (final.imported, final.duplicates, final.quarantined) == (1, 1, 1)
    row = session.scalars(select(QuarantinedRow)).one()
    assert (row.reason, row.row_number) == ("conflict", 3)
    assert "Something else entirely" in row.raw


def test_a_file_that_cannot_be_read_fails_the_job_with_the_reason(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("name,comment\nx,y\n")
    _, final = _run(engine, model, path, OPTIONS)
    assert final.status == "failed"
    assert "subject" in (final.error or "")


def test_a_held_lease_refuses_a_second_worker_and_a_lost_one_writes_nothing(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 60)
    factory = make_sessionmaker(engine)
    with factory() as s:
        job, _ = find_or_create_job(session=s, path=path, options=OPTIONS)
        assert lease.acquire(session=s, job_id=job.id, owner="other-process")
        assert not lease.acquire(session=s, job_id=job.id, owner="third-process")
    with pytest.raises(JobBusy, match="other-process"):
        run_import(sessionmaker=factory, job_id=job.id, engine=InlineEngine(model), owner="me")
    # The lease expires (its holder hung): we take it over; the old holder can no longer write.
    with factory() as s:
        # (the holder's last renewal, already in the past)
        assert lease.acquire(session=s, job_id=job.id, owner="other-process", ttl_s=-1)
    final = run_import(
        sessionmaker=factory, job_id=job.id, engine=InlineEngine(model), owner="me", batch_size=7
    )
    assert final.status == "succeeded" and final.lease_owner is None
    assert_job_counts(session, job, expected)
    with factory() as s:
        assert not lease.finish(session=s, job_id=job.id, owner="other-process", status="failed")


def test_a_stop_request_requeues_and_the_next_run_resumes(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 120)
    chunks: list[int] = []
    job, first = _run(
        engine, model, path, OPTIONS, batch_size=20, on_chunk=lambda j: chunks.append(j.checkpoint),
        should_stop=lambda: len(chunks) >= 2,
    )  # fmt: skip
    assert first.status == "queued" and first.checkpoint == 40
    again, final = _run(engine, model, path, OPTIONS, batch_size=20, link=_Queue())
    assert again.id == job.id and final.status == "succeeded"
    assert_job_counts(session, job, expected)


@pytest.mark.postgres
def test_a_long_import_refreshes_postgresqls_statistics_as_it_grows(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    # Stale statistics made the duplicate lookup scan every row of a source (the import slowed
    # as it grew); autovacuum is off on the test server, so only the import's ANALYZE counts.
    def analyses() -> int:
        with engine.connect() as c:  # a new transaction: pg_stat_* is cached per transaction
            return c.execute(text(
                "SELECT coalesce(analyze_count, 0) FROM pg_stat_user_tables WHERE relname = 'feedback'"
            )).scalar_one()  # fmt: skip

    before = analyses()
    path = tmp_path / "tickets.csv"
    write_tickets(path, 230)
    _, final = _run(engine, model, path, OPTIONS, batch_size=20, analyze_first=50)
    assert final.status == "succeeded"
    # After 60, 120 and 240 rows read (written doubles: 50 -> 120 -> 240): at least two refreshes.
    assert analyses() - before >= 2
