"""A job's lease is dead when it expired or its holder died on this host: one condition, in SQL.

The import runner's candidates, the retrain reaper and `acquire` all read that one condition,
so the three agree on which jobs another process may take over.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.db import make_sessionmaker, utcnow
from feedback_ai.jobs import lease
from feedback_ai.jobs.models import ImportJob
from feedback_ai.jobs.runner import JobRunner
from feedback_ai.serving.retrain_job import fail_interrupted


def _dead_owner() -> str:
    """The owner id of a process of this host that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:gone"


def _job(session: Session, name: str, *, kind: str = "import", status: str = "running",
         owner: str | None = None, expires_in_s: float | None = None) -> str:  # fmt: skip
    expires = utcnow() + timedelta(seconds=expires_in_s) if expires_in_s is not None else None
    job = ImportJob(kind=kind, file_path="", file_name=name, file_sha256="", fingerprint=name,
                    options={}, status=status, lease_owner=owner, lease_expires_at=expires)  # fmt: skip
    session.add(job)
    session.commit()
    return job.id


def _no_engine() -> ScoringEngine:
    raise AssertionError("candidates() never scores")


def test_expired_and_dead_holders_are_abandoned_live_ones_are_not(session: Session) -> None:
    live = f"{socket.gethostname()}:{os.getpid()}:here"  # this process: alive
    _job(session, "expired", owner="other-host:1:a", expires_in_s=-5)
    _job(session, "dead", owner=_dead_owner(), expires_in_s=600)
    _job(session, "live", owner=live, expires_in_s=600)
    _job(session, "elsewhere", owner="other-host:1:b", expires_in_s=600)
    query = select(ImportJob.file_name).where(lease.abandoned(session=session, now=utcnow()))
    assert sorted(session.scalars(query)) == ["dead", "expired"]


def test_no_dead_holder_leaves_expiry_alone(session: Session) -> None:
    _job(session, "live", owner="other-host:1:a", expires_in_s=600)
    query = select(ImportJob.id).where(lease.abandoned(session=session, now=utcnow()))
    assert session.scalars(query).all() == []


def test_the_runner_and_the_reaper_read_the_same_condition(session: Session) -> None:
    dead = _dead_owner()
    queued = _job(session, "queued", status="queued")
    taken_over = _job(session, "dead-import", owner=dead, expires_in_s=600)
    _job(session, "live-import", owner="other-host:1:a", expires_in_s=600)
    runner = JobRunner(make_sessionmaker(session.get_bind()), engine_factory=_no_engine)
    assert runner.candidates() == [queued, taken_over]
    reaped = _job(session, "dead-retrain", kind="retrain", owner=dead, expires_in_s=600)
    assert fail_interrupted(session=session) == 1
    session.expire_all()
    assert session.get(ImportJob, reaped).status == "failed"  # type: ignore[union-attr]


def test_live_leases_do_not_hide_a_queued_job_from_the_runner(session: Session) -> None:
    for n in range(25):  # more running jobs than the runner looks at in one poll
        _job(session, f"busy-{n}", owner=f"other-host:{n}:x", expires_in_s=600)
    waiting = _job(session, "waiting", status="queued")
    runner = JobRunner(make_sessionmaker(session.get_bind()), engine_factory=_no_engine)
    assert runner.candidates() == [waiting]
