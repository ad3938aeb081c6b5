"""Create, find, read and cancel import jobs, and page their quarantined rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback_ai.db import rowcount as _rowcount
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.errors import FeedbackAIError
from feedback_ai.imports.streams import GZIP_MAGIC
from feedback_ai.jobs.models import UNFINISHED, ImportJob, QuarantinedRow

HASH_CHUNK = 1024 * 1024


class JobNotFound(FeedbackAIError):
    """No job with that id (answered 404)."""


class JobFinished(FeedbackAIError):
    """The job already ended, so it cannot be cancelled (answered 409)."""


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A job's state as shown to people: counts, rate and (when the size is known) ETA."""

    job: ImportJob
    rate: float | None
    eta_s: float | None


def file_sha256(path: Path) -> str:
    """The digest of a file's bytes, read in chunks (a multi-GB file never sits in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(HASH_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(sha256: str, options: dict[str, Any]) -> str:
    """What makes two imports the same: the file's bytes and how they are read."""
    raw = json.dumps({"sha256": sha256, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def estimate_rows(path: Path, fmt: str) -> int | None:
    """Lines of a plain CSV/TSV/JSONL file less its header, for an ETA; None when unknown."""
    with path.open("rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    if fmt not in ("csv", "tsv", "jsonl") or gzipped:
        return None
    lines = 0
    with path.open("rb") as f:
        while block := f.read(HASH_CHUNK):
            lines += block.count(b"\n")
    return max(0, lines - (1 if fmt != "jsonl" else 0))


def find_or_create_job(
    *,
    session: Session,
    path: Path,
    options: dict[str, Any],
    total_estimate: int | None = None,
    actor_key_id: str | None = None,
) -> tuple[ImportJob, bool]:
    """The unfinished job for the same file and options (to resume), or a new queued one."""
    sha = file_sha256(path)
    key = fingerprint(sha, options)
    query = (
        select(ImportJob)
        .where(ImportJob.fingerprint == key, ImportJob.status.in_(UNFINISHED))
        .order_by(ImportJob.created_at.desc())
    )
    found = session.scalars(query).first()
    if found is not None:
        if not Path(found.file_path).is_file():
            # The same bytes, moved: read them where they are now.
            found.file_path = str(path)
            with serialized_writes(session):
                session.commit()
        return found, True
    job = ImportJob(
        file_path=str(path), file_name=path.name[:255], file_sha256=sha, fingerprint=key,
        options=options, total_estimate=total_estimate, created_by_key_id=actor_key_id,
    )  # fmt: skip
    session.add(job)
    with serialized_writes(session):
        session.commit()
    return job, False


def queue_import(
    *, session: Session, path: Path, options: dict[str, Any], actor_key_id: str | None = None
) -> tuple[ImportJob, bool]:
    """A queued job for a file (or the unfinished one for the same bytes and options)."""
    total = estimate_rows(path, options["format"])
    return find_or_create_job(
        session=session, path=path, options=options, total_estimate=total,
        actor_key_id=actor_key_id,
    )  # fmt: skip


def get_job(*, session: Session, job_id: str) -> ImportJob:
    """The job, or JobNotFound."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise JobNotFound(f"no job with id {job_id!r}")
    return job


def progress(job: ImportJob) -> JobProgress:
    """Rate over the current (or last) run, and an ETA when the file's size in rows is known."""
    rate = eta = None
    if job.run_started_at is not None:
        end = job.finished_at or (job.updated_at if job.status != "running" else utcnow())
        seconds = (end - job.run_started_at).total_seconds()
        done = job.checkpoint - job.run_start_checkpoint
        if seconds > 0 and done > 0:
            rate = done / seconds
    if rate and job.total_estimate and job.status == "running":
        eta = max(0.0, (job.total_estimate - job.checkpoint) / rate)
    return JobProgress(job=job, rate=rate, eta_s=eta)


def list_jobs(*, session: Session, limit: int = 20) -> list[ImportJob]:
    """The newest jobs first."""
    query = select(ImportJob).order_by(ImportJob.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def cancel_job(*, session: Session, job_id: str) -> ImportJob:
    """Stop a job: an import's worker sees it at its next chunk, which is then not committed;
    a retrain's before it registers or promotes its challenger (the champion stays)."""
    job = get_job(session=session, job_id=job_id)
    # A failed import can be resumed, so cancelled; a failed retrain is over.
    cancellable = UNFINISHED if job.kind == "import" else ("queued", "running")
    if job.status not in cancellable:
        raise JobFinished(f"job {job_id} already ended ({job.status})")
    now = utcnow()
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_(cancellable))
        .values(status="cancelled", finished_at=now, updated_at=now, lease_owner=None,
                lease_expires_at=None)
    )  # fmt: skip
    with serialized_writes(session):
        changed = _rowcount(session.execute(statement))
        session.commit()
    if not changed:
        raise JobFinished(f"job {job_id} ended meanwhile")
    session.refresh(job)
    return job


def quarantine_page(
    *, session: Session, job_id: str, after: int = 0, limit: int = 100
) -> list[QuarantinedRow]:
    """Quarantined rows of a job in file order, after the row id `after` (for paging)."""
    get_job(session=session, job_id=job_id)
    query = (
        select(QuarantinedRow)
        .where(QuarantinedRow.job_id == job_id, QuarantinedRow.id > after)
        .order_by(QuarantinedRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def iter_quarantine(*, session: Session, job_id: str | None) -> Iterator[QuarantinedRow]:
    """Every quarantined row (of one job, or all), streamed page by page."""
    after = 0
    while True:
        query = select(QuarantinedRow).where(QuarantinedRow.id > after)
        if job_id is not None:
            query = query.where(QuarantinedRow.job_id == job_id)
        page = list(session.scalars(query.order_by(QuarantinedRow.id).limit(1000)))
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].id
