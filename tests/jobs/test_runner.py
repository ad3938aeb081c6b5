"""JobRunner: one job is worked by one runner only, and unfinished jobs resume on start."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from feedback_ai.batch.engine import InlineEngine
from feedback_ai.db import make_sessionmaker, utcnow
from feedback_ai.jobs.models import ImportJob
from feedback_ai.jobs.runner import JobRunner
from feedback_ai.jobs.service import find_or_create_job
from tests.jobs.helpers import OPTIONS, assert_job_counts, write_tickets


def _runner(engine: Engine, model, owner: str, **kw) -> JobRunner:
    return JobRunner(make_sessionmaker(engine), engine_factory=lambda: InlineEngine(model),
                     owner=owner, batch_size=15, **kw)  # fmt: skip


def _job(engine: Engine, path: Path) -> ImportJob:
    with make_sessionmaker(engine)() as s:
        return find_or_create_job(session=s, path=path, options=OPTIONS)[0]


def test_two_runners_one_job_only_one_works_it(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    expected = write_tickets(path, 90)
    job = _job(engine, path)
    runners = [_runner(engine, model, "host-a:1:a"), _runner(engine, model, "host-b:1:b")]
    gate, results = threading.Barrier(2), {}

    def work(runner: JobRunner) -> None:
        gate.wait()
        results[runner.owner] = runner.run_once()

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    done = [r for r in results.values() if r is not None]
    assert len(results) == 2 and len(done) == 1 and done[0].id == job.id
    assert done[0].status == "succeeded"
    assert_job_counts(session, job, expected)


def test_a_started_runner_resumes_a_stopped_and_an_abandoned_job(
    session: Session, engine: Engine, model, tmp_path: Path
) -> None:
    first_path, second_path = tmp_path / "a.csv", tmp_path / "b.csv"
    first_expected = write_tickets(first_path, 60)
    second_expected = write_tickets(second_path, 45, prefix="b")
    first = _job(engine, first_path)
    # A server stops while working the first job: it goes back to the queue at a chunk's end.
    stopping = _runner(engine, model, "host-a:1:a")
    stopping._stop.set()  # the stop arrived during the first chunk
    stopped = stopping.run_once()
    assert stopped is not None and stopped.status == "queued" and stopped.checkpoint == 15
    # Another server died holding the second job's lease, which has expired since.
    second = _job(engine, second_path)
    with make_sessionmaker(engine)() as s:
        s.execute(update(ImportJob).where(ImportJob.id == second.id).values(
            status="running", lease_owner="gone-host:99:x",
            lease_expires_at=utcnow() - timedelta(seconds=1),
        ))  # fmt: skip
        s.commit()
    runner = _runner(engine, model, "host-c:1:c", poll_s=0.05).start()
    try:
        for job in (first, second):
            assert _wait_for(session, job.id, "succeeded")
    finally:
        runner.stop()
    both = first_expected.imported + second_expected.imported
    assert_job_counts(session, first, first_expected, stored=both)
    assert_job_counts(session, second, second_expected, stored=both)


def _wait_for(session: Session, job_id: str, status: str, timeout_s: float = 600) -> bool:
    """Poll the job's status (the runner works on its own thread)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(ImportJob, job_id).status == status:
            return True
        time.sleep(0.05)
    return False
