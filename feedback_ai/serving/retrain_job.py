"""A retrain as a background job (kind 'retrain' in the jobs table): queue it, one at a time,
and reap the ones whose process died.

The database keeps it to one: a partial unique index admits one retrain queued or running, so a
second request gets RetrainRunning whichever server it reaches. A retrain that was running when
its process died is marked failed, not resumed: training restarts from scratch anyway, the
decisions it would read may have changed since it was asked for, and a retrain that killed its
server (out of memory) would otherwise kill every next start. Ask again (or let cron).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_ai.db import rowcount as _rowcount
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.errors import FeedbackAIError
from feedback_ai.jobs import lease
from feedback_ai.jobs.models import RETRAIN, ImportJob

# The steps of a retrain, in order; `stage` names the one under way.
STAGES = ("queued", "snapshot", "training", "registering", "done")
ACTIVE = ("queued", "running")


class RetrainRunning(FeedbackAIError):
    """A retrain is queued or running already (answered 409 retrain_running)."""

    def __init__(self, job_id: str | None) -> None:
        super().__init__(
            f"retrain job {job_id} is already queued or running; follow GET /v1/jobs/{job_id} "
            "or cancel it with POST /v1/jobs/{id}/cancel"
        )
        self.job_id = job_id


def active_retrain(*, session: Session) -> ImportJob | None:
    """The retrain queued or running, if any."""
    query = select(ImportJob).where(ImportJob.kind == RETRAIN, ImportJob.status.in_(ACTIVE))
    return session.scalars(query).first()


def queue_retrain(
    *, session: Session, options: dict[str, Any], actor_key_id: str | None = None
) -> ImportJob:
    """A new queued retrain job, or RetrainRunning if one is queued or running."""
    fail_interrupted(session=session)  # a dead server's retrain must not block this one
    job = ImportJob(
        kind=RETRAIN, file_path="", file_name="", file_sha256="", fingerprint=RETRAIN,
        options=options, stage="queued", created_by_key_id=actor_key_id,
    )  # fmt: skip
    session.add(job)
    try:
        with serialized_writes(session):
            session.commit()
    except IntegrityError:
        session.rollback()  # the partial unique index: another retrain got there first
        other = active_retrain(session=session)
        raise RetrainRunning(other.id if other else None) from None
    return job


def next_queued(*, session: Session) -> str | None:
    """The oldest queued retrain, if any."""
    query = (
        select(ImportJob.id)
        .where(ImportJob.kind == RETRAIN, ImportJob.status == "queued")
        .order_by(ImportJob.created_at)
    )
    return session.scalars(query).first()


def acquire(*, session: Session, job_id: str, owner: str, ttl_s: float) -> bool:
    """Take a queued retrain (never a failed one: a retrain is not resumed)."""
    now = utcnow()
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.kind == RETRAIN, ImportJob.status == "queued")
        .values(
            status="running", stage="snapshot", lease_owner=owner, run_started_at=now,
            error=None, **lease.renew_values(ttl_s),
        )
    )  # fmt: skip
    with serialized_writes(session):
        taken = _rowcount(session.execute(statement)) == 1
        session.commit()
    return taken


def advance(*, session: Session, job_id: str, owner: str, **values: Any) -> bool:
    """Move our running job on (stage, result, lease); False when it was cancelled or taken."""
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job_id, lease.held(owner))
        .values(**{**lease.renew_values(), **values})
    )
    with serialized_writes(session):
        ours = _rowcount(session.execute(statement)) == 1
        session.commit()
    return ours


def ended_values(status: str, *, error: str | None = None) -> dict[str, Any]:
    """Columns of a job that ends now, lease dropped."""
    now = utcnow()
    return {"status": status, "error": error, "finished_at": now, "updated_at": now,
            "lease_owner": None, "lease_expires_at": None}  # fmt: skip


def interrupted_error(job: ImportJob) -> str:
    """Why a job whose process died failed, and what it left behind."""
    left = (job.result or {}).get("version")
    extra = f"; its challenger {left} is listed in /v1/models, not promoted" if left else ""
    return (
        f"interrupted: the process running it stopped during stage {job.stage!r}; the champion "
        f"was not changed{extra}. Ask for a retrain again."
    )


def fail_interrupted(*, session: Session) -> int:
    """Mark failed every running retrain whose lease expired or whose process died here."""
    query = select(ImportJob).where(
        ImportJob.kind == RETRAIN,
        ImportJob.status == "running",
        lease.abandoned(session=session, now=utcnow()),
    )
    failed = 0
    for job in session.scalars(query).all():
        statement = (
            update(ImportJob)
            .where(
                ImportJob.id == job.id,
                ImportJob.status == "running",
                ImportJob.lease_owner == job.lease_owner,
            )
            .values(**ended_values("failed", error=interrupted_error(job)))
        )
        with serialized_writes(session):
            failed += _rowcount(session.execute(statement))
            session.commit()
    return failed
