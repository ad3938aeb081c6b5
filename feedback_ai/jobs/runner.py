"""The JobRunner: a thread that works queued import jobs, and resumes interrupted ones.

Which process works a job is decided by the lease in the database, so several servers can
each run a JobRunner: the one that wins a job's lease works it, the others skip it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.db import utcnow
from feedback_ai.feedback.ingest import LinkQueue
from feedback_ai.jobs import lease
from feedback_ai.jobs.importer import DEFAULT_BATCH, JobBusy, run_import
from feedback_ai.jobs.models import ImportJob
from feedback_ai.poller import Poller
from feedback_ai.settings import MAX_TEXT_CHARS


class JobRunner(Poller):
    """Works one job at a time on its own thread; `stop` requeues it at its chunk's end.

    Its thread first resumes the jobs a stopped process left unfinished, then works the queue.
    """

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
        super().__init__(
            name="job-runner", interval_s=poll_s,
            failure="import job failed; it is marked failed with the reason",
        )  # fmt: skip
        self.sessionmaker = sessionmaker
        self.engine_factory = engine_factory
        self.link = link
        self.owner = owner or lease.new_owner()
        self.ttl_s = ttl_s
        self.batch_size = batch_size
        self.store_raw_text = store_raw_text
        self.max_text_chars = max_text_chars

    def poll(self) -> bool:
        """Work one job if one can be leased; True when one was worked."""
        return self.run_once() is not None

    def candidates(self) -> list[str]:
        """Jobs waiting, or running under a lease that expired or whose holder died here."""
        with self.sessionmaker() as session:
            query = (
                select(ImportJob.id)
                .where(
                    ImportJob.kind == "import",
                    ImportJob.status.in_(("queued", "running")),
                    or_(
                        ImportJob.lease_owner.is_(None),
                        lease.abandoned(session=session, now=utcnow()),
                    ),
                )
                .order_by(ImportJob.created_at)
                .limit(20)
            )
            return list(session.scalars(query))

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
