"""The JobRunner: a thread that works queued import jobs, and resumes interrupted ones.

Which process works a job is decided by the lease in the database, so several servers can
each run a JobRunner: the one that wins a job's lease works it, the others skip it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.db import utcnow
from feedback_ai.feedback.ingest import LinkQueue
from feedback_ai.jobs import lease
from feedback_ai.jobs.importer import DEFAULT_BATCH, JobBusy, run_import
from feedback_ai.jobs.models import ImportJob
from feedback_ai.settings import MAX_TEXT_CHARS

log = logging.getLogger(__name__)


class JobRunner:
    """Works one job at a time on its own thread; `stop` requeues the current one."""

    def __init__(
        self,
        sessionmaker: sessionmaker[Session],
        *,
        engine_factory: Callable[[], ScoringEngine],
        link: LinkQueue | None = None,
        owner: str | None = None,
        poll_s: float = 2.0,
        ttl_s: float = lease.DEFAULT_TTL_S,
        batch_size: int = DEFAULT_BATCH,
        store_raw_text: bool = True,
        max_text_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.engine_factory = engine_factory
        self.link = link
        self.owner = owner or lease.new_owner()
        self.poll_s = poll_s
        self.ttl_s = ttl_s
        self.batch_size = batch_size
        self.store_raw_text = store_raw_text
        self.max_text_chars = max_text_chars
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> JobRunner:
        """Start the thread; it first resumes the jobs a stopped process left unfinished."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Look for work now (a job was just queued)."""
        self._wake.set()

    def stop(self, timeout_s: float = 60.0) -> None:
        """Finish the current chunk, put its job back in the queue, and end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def candidates(self) -> list[str]:
        """Jobs waiting, or running under a lease that expired or whose holder died here."""
        now = utcnow()
        query = (
            select(ImportJob.id, ImportJob.lease_owner, ImportJob.lease_expires_at)
            .where(ImportJob.kind == "import", ImportJob.status.in_(("queued", "running")))
            .order_by(ImportJob.created_at)
            .limit(20)
        )
        with self.sessionmaker() as session:
            rows = session.execute(query).all()
        return [
            job_id
            for job_id, owner, expires in rows
            if owner is None or (expires is not None and expires < now)
            or lease.owner_is_dead_here(owner)
        ]  # fmt: skip

    def run_once(self) -> ImportJob | None:
        """Work the first job this runner can lease to its end (or to a stop); None if none."""
        for job_id in self.candidates():
            engine = self.engine_factory().start()
            try:
                return run_import(
                    sessionmaker=self.sessionmaker, job_id=job_id, engine=engine,
                    owner=self.owner, link=self.link, batch_size=self.batch_size,
                    store_raw_text=self.store_raw_text, max_text_chars=self.max_text_chars,
                    ttl_s=self.ttl_s, should_stop=self._stop.is_set,
                )  # fmt: skip
            except JobBusy:
                continue  # another process won the lease
            finally:
                engine.close()
        return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:
                log.exception("import job failed; it is marked failed with the reason")
                worked = None
            if worked is None and not self._stop.is_set():
                self._wake.wait(self.poll_s)
                self._wake.clear()
