"""Run one import job: chunks scored through a ScoringEngine, each stored with its checkpoint.

A chunk's feedback rows, its quarantined rows and the job's counters and checkpoint are one
transaction (ingest's before_commit), so a run killed at any instant resumes exactly where
its last commit left off: no row is counted twice or skipped.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.db import rowcount as _rowcount
from feedback_ai.feedback.ingest import IngestPlan, LinkQueue, Outcome, plan_ingest, store_scored
from feedback_ai.imports import ImportFormatError
from feedback_ai.jobs import lease
from feedback_ai.jobs.chunks import CONFLICT, Chunk, chunked, options_rows, quarantine_row
from feedback_ai.jobs.models import ImportJob, QuarantinedRow
from feedback_ai.jobs.service import get_job
from feedback_ai.ml import FeedbackInput
from feedback_ai.requirements.service import link_pending
from feedback_ai.settings import MAX_TEXT_CHARS

log = logging.getLogger(__name__)
DEFAULT_BATCH = 500
# PostgreSQL plans from statistics taken when the tables were small (or never: autovacuum may be
# off, and lags a bulk load when on). With them the duplicate lookup by (source, external_id)
# scanned every row of the source instead of probing the unique index: on 1,000,000 tickets the
# import's average rate fell from 965 rows/s at row 32,500 to 486 at row 92,000. So a run refreshes them
# after ANALYZE_FIRST rows and each time it has doubled what it had written at the last refresh.
ANALYZE_FIRST = 5_000
GROWN_TABLES = ("feedback", "prediction", "prediction_theme", "candidate_requirement",
                "requirement", "requirement_evidence")  # fmt: skip


class JobBusy(lease.LeaseLost):
    """Another live process holds the job's lease."""


def _commit_chunk(
    session: Session, outcomes: list[Outcome], *, job: ImportJob, owner: str, chunk: Chunk,
    ttl_s: float,
) -> None:  # fmt: skip
    """Inside the chunk's transaction: quarantine, counters, checkpoint, lease check."""
    quarantine = list(chunk.quarantine)
    for outcome, (row_number, raw) in zip(outcomes, chunk.origins, strict=True):
        if outcome.status == "conflict":
            message = outcome.conflict_error().message
            quarantine.append(quarantine_row(job.file_name, row_number, CONFLICT, message, raw))
    if quarantine:
        session.execute(insert(QuarantinedRow), [q | {"job_id": job.id} for q in quarantine])
    created = sum(o.status == "created" for o in outcomes)
    replayed = sum(o.status == "replayed" for o in outcomes)
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job.id, lease.held(owner))
        .values(
            checkpoint=ImportJob.checkpoint + chunk.read,
            read_count=ImportJob.read_count + chunk.read,
            imported=ImportJob.imported + created,
            duplicates=ImportJob.duplicates + replayed,
            quarantined=ImportJob.quarantined + len(quarantine),
            **lease.renew_values(ttl_s),
        )
    )
    if _rowcount(session.execute(statement)) != 1:
        raise lease.LeaseLost(f"job {job.id} was cancelled or taken over; this chunk is undone")


def run_import(
    *,
    sessionmaker: sessionmaker[Session],
    job_id: str,
    engine: ScoringEngine,
    owner: str,
    link: LinkQueue | None = None,
    batch_size: int = DEFAULT_BATCH,
    store_raw_text: bool = True,
    max_text_chars: int = MAX_TEXT_CHARS,
    ttl_s: float = lease.DEFAULT_TTL_S,
    on_chunk: Callable[[ImportJob], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    analyze_first: int = ANALYZE_FIRST,
) -> ImportJob:
    """Take the job's lease and import from its checkpoint; returns the job as it ended.

    Raises JobBusy if another live process holds it. A stop request (`should_stop`) puts the
    job back in the queue after the current chunk; a cancel or a lost lease ends the run with
    nothing more written.
    """
    with sessionmaker() as session, sessionmaker() as reader:
        if not lease.acquire(session=session, job_id=job_id, owner=owner, ttl_s=ttl_s):
            job = get_job(session=session, job_id=job_id)
            raise JobBusy(
                f"job {job_id} is {job.status}, held by {job.lease_owner} until "
                f"{job.lease_expires_at}; wait, or cancel it"
            )
        job = get_job(session=session, job_id=job_id)
        end = partial(lease.finish, session=session, job_id=job_id, owner=owner)
        try:
            if job.checkpoint and link is not None:
                # Items the killed run committed but did not get to link.
                link_pending(session=session)
            status = _run(session, reader, job, engine, owner, link, batch_size, store_raw_text,
                          max_text_chars, ttl_s, on_chunk, should_stop,
                          analyze_first)  # fmt: skip
            end(status=status)
        except lease.LeaseLost as e:
            session.rollback()
            log.info("import %s stopped: %s", job_id, e)
        except ImportFormatError as e:
            session.rollback()
            end(status="failed", error=str(e))
        except BaseException as e:
            session.rollback()
            end(status="failed", error=f"{type(e).__name__}: {e}")
            raise
        session.expire_all()
        return get_job(session=session, job_id=job_id)


def _run(
    session: Session, reader: Session, job: ImportJob, engine: ScoringEngine, owner: str,
    link: LinkQueue | None, batch_size: int, store_raw_text: bool, max_text_chars: int,
    ttl_s: float, on_chunk: Callable[[ImportJob], None] | None, should_stop: Callable[[], bool],
    analyze_first: int,
) -> str:  # fmt: skip
    """Chunk, plan, score and store until the file ends ('succeeded') or a stop ('queued')."""
    rows = options_rows(Path(job.file_path), job.options)
    chunks = chunked(rows, file=job.file_name, size=batch_size, skip=job.checkpoint,
                     max_text_chars=max_text_chars)  # fmt: skip
    planned: deque[tuple[Chunk, IngestPlan]] = deque()
    written, analyze_at = 0, analyze_first

    def inputs() -> Iterator[list[FeedbackInput]]:
        # Planned on a session of its own: an engine may pull chunks from another thread.
        for chunk in chunks:
            plan = plan_ingest(session=reader, items=chunk.items)
            planned.append((chunk, plan))
            yield plan.inputs

    for predictions in engine.imap(inputs()):
        chunk, plan = planned.popleft()
        commit = partial(_commit_chunk, job=job, owner=owner, chunk=chunk, ttl_s=ttl_s)
        store_scored(session=session, plan=plan, predictions=predictions, link=link,
                     store_raw_text=store_raw_text, before_commit=commit)  # fmt: skip
        written += chunk.read
        if written >= analyze_at:
            refresh_statistics(session)
            analyze_at = 2 * written
        if on_chunk is not None:
            session.refresh(job)
            on_chunk(job)
        if should_stop():
            return "queued"
    return "succeeded"


def refresh_statistics(session: Session) -> None:
    """On PostgreSQL, ANALYZE the tables an import grows (it blocks no reader or writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite probes the unique index without statistics
    for table in GROWN_TABLES:
        session.execute(text(f"ANALYZE {table}"))
    session.commit()
