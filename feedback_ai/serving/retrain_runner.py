"""The RetrainRunner: a thread that works queued retrain jobs, off the request path.

A retrain holds its job's lease (renewed by a heartbeat while the challenger trains), and the
challenger is promoted in the same transaction that marks the job succeeded, under the lease:
a cancel either lands before (the champion is untouched, the challenger discarded) or finds
the job ended (409). A promotion wakes this server's champion watcher, which switches models
with no restart; the other servers follow at their next poll.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.auth.models import ApiKey
from feedback_ai.db import rowcount as _rowcount
from feedback_ai.db import serialized_writes
from feedback_ai.jobs import lease
from feedback_ai.jobs.models import ImportJob
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.retrain import RetrainResult, retrain
from feedback_ai.poller import Poller
from feedback_ai.serving import champion, registry
from feedback_ai.serving.retrain_job import (
    acquire,
    advance,
    ended_values,
    fail_interrupted,
    next_queued,
)
from feedback_ai.serving.retrain_summary import gate_result, skipped_result
from feedback_ai.serving.retraining import (
    TooFewDecisions,
    register_challenger,
    retrain_inputs,
)

log = logging.getLogger(__name__)
Trainer = Callable[..., RetrainResult]


class RetrainRunner(Poller):
    """Works one retrain at a time on its own thread; `stop` fails a retrain it cannot finish.

    Its thread first fails the retrains a dead process left running, then works the queue.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        models_dir: Path,
        on_promoted: Callable[[], None] | None = None,
        trainer: Trainer = retrain,
        fit_config: FitConfig | None = None,
        poll_s: float = 2.0,
        ttl_s: float = lease.DEFAULT_TTL_S,
    ) -> None:
        super().__init__(
            name="retrain-runner", interval_s=poll_s,
            failure="retrain runner: could not look for work",
        )  # fmt: skip
        self.factory = factory
        self.models_dir = models_dir
        self.on_promoted = on_promoted
        self.trainer = trainer  # ml.training.retrain; tests pass a quicker one
        self.fit_config = fit_config
        self.ttl_s = ttl_s
        self.owner = lease.new_owner()
        self._current: str | None = None

    def stop(self, timeout_s: float = 10.0) -> bool:
        """End the thread; a retrain still training is marked failed (it cannot be resumed)."""
        ended = super().stop(timeout_s)
        job_id = self._current
        if not ended and job_id is not None:
            with self.factory() as session:
                advance(session=session, job_id=job_id, owner=self.owner,
                        **ended_values("failed", error="the server stopped during training"))  # fmt: skip
        return ended

    def poll(self) -> bool:
        """Work one retrain if one is queued; True when one was worked."""
        return self.run_once() is not None

    def run_once(self) -> str | None:
        """Fail dead retrains, then work the oldest queued one to its end; its id, or None."""
        with self.factory() as session:
            fail_interrupted(session=session)
            job_id = next_queued(session=session)
            if job_id is None or not acquire(
                session=session, job_id=job_id, owner=self.owner, ttl_s=self.ttl_s
            ):
                return None
        self._current = job_id
        try:
            self._work(job_id)
        except Exception as e:
            log.exception("retrain job %s failed", job_id)
            with self.factory() as session:
                advance(session=session, job_id=job_id, owner=self.owner,
                        **ended_values("failed", error=f"{type(e).__name__}: {e}"))  # fmt: skip
        finally:
            self._current = None
        return job_id

    def _work(self, job_id: str) -> None:
        owner = self.owner
        with self.factory() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            options: dict[str, Any] = dict(job.options)
            key = session.get(ApiKey, job.created_by_key_id) if job.created_by_key_id else None
            actor = f"key:{key.name}" if key is not None else f"job:{job_id}"
            try:
                inputs = retrain_inputs(
                    session=session, min_new_decisions=options.get("min_new_decisions", 0)
                )
            except TooFewDecisions as e:
                advance(session=session, job_id=job_id, owner=owner, stage="done",
                        result=skipped_result(e, options), **ended_values("succeeded"))  # fmt: skip
                return
            if self._stop.is_set():  # nothing done yet: the next start runs it
                advance(session=session, job_id=job_id, owner=owner, status="queued",
                        stage="queued", lease_owner=None, lease_expires_at=None)  # fmt: skip
                return
            if not advance(session=session, job_id=job_id, owner=owner, stage="training"):
                return  # cancelled while reading the decisions
        with lease.Heartbeat(self.factory, job_id=job_id, owner=owner, ttl_s=self.ttl_s) as beat:
            result = self.trainer(
                models_dir=self.models_dir, decisions=inputs.decisions,
                champion_path=inputs.champion_path, tolerance=options.get("tolerance", 0.02),
                force=options.get("force", False), config=self.fit_config,
            )  # fmt: skip
        summary = gate_result(result, inputs=inputs, options=options)
        with self.factory() as session:
            # No outcome until it is true: a cancel may still land before the promotion.
            pending = {**summary, "outcome": None}
            if beat.lost.is_set() or not advance(
                session=session, job_id=job_id, owner=owner, stage="registering", result=pending
            ):
                _discard(result.path, self.models_dir)  # cancelled while it trained
                return
            register_challenger(session=session, result=result, actor=actor)
            if not result.promote:
                advance(session=session, job_id=job_id, owner=owner, stage="done",
                        result=summary, **ended_values("succeeded"))  # fmt: skip
                return
            self._promote(session, job_id, result, summary, actor=actor, key=key)

    def _promote(
        self, session: Session, job_id: str, result: RetrainResult, summary: dict[str, Any],
        *, actor: str, key: ApiKey | None,
    ) -> None:  # fmt: skip
        """End the job and move the champion in one transaction, only while we hold the lease."""
        finish = (
            update(ImportJob)
            .where(ImportJob.id == job_id, lease.held(self.owner))
            .values(stage="done", result=summary, **ended_values("succeeded"))
        )
        with serialized_writes(session):
            if _rowcount(session.execute(finish)) != 1:
                session.rollback()  # cancelled just now: the challenger stays a challenger
                registry.set_status(session=session, version=result.version, status="challenger",
                                    reason=f"retrain job {job_id} was cancelled before promotion")  # fmt: skip
                return
            try:
                champion.promote(
                    session=session, version=result.version, actor=actor,
                    reason=f"retrain job {job_id}", actor_key=key,
                )  # fmt: skip
            except BaseException:
                session.rollback()  # the job is still running and ours: the caller fails it
                raise
        if self.on_promoted is not None:
            self.on_promoted()


def _discard(path: Path, models_dir: Path) -> None:
    """Delete a cancelled challenger's folder (never registered, so never loadable anyway)."""
    if Path(path).resolve().parent == Path(models_dir).resolve():
        shutil.rmtree(path, ignore_errors=True)
