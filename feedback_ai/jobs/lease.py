"""The lease that lets one process at a time work a job, held in the job's row.

Taking, renewing and dropping a lease are single conditional UPDATEs, so two processes (two
servers, or a server and the CLI) can never both believe they hold it. Every chunk's commit
checks the lease again (see importer.py), so a process that lost it cannot write another row.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.db import rowcount as _rowcount
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.errors import FeedbackAIError
from feedback_ai.jobs.models import UNFINISHED, ImportJob

DEFAULT_TTL_S = 60.0
log = logging.getLogger(__name__)


class LeaseLost(FeedbackAIError):
    """Another process holds the job now, or it was cancelled: stop without writing."""


def new_owner() -> str:
    """A lease owner id: host and pid (to recognise our own dead processes) and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead_here(owner: str | None) -> bool:
    """Whether `owner` was a process of this host that no longer runs (killed, crashed)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child not yet reaped still answers kill(0); its state in /proc says 'Z'."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def abandoned(*, session: Session, now: datetime) -> ColumnElement[bool]:
    """The condition that a job's lease is dead: it expired, or its holder died on this host."""
    # Whether a holder died is asked of this host's process table, not of SQL: look at each
    # distinct holder once (a handful: one per process working a job) and name the dead ones.
    holders = session.scalars(
        select(ImportJob.lease_owner).where(ImportJob.lease_owner.is_not(None)).distinct()
    )
    dead = sorted(holder for holder in holders if holder and owner_is_dead_here(holder))
    expired = ImportJob.lease_expires_at < now
    return or_(expired, ImportJob.lease_owner.in_(dead)) if dead else expired


def acquire(*, session: Session, job_id: str, owner: str, ttl_s: float = DEFAULT_TTL_S) -> bool:
    """Take the lease of an unfinished job if it is free, expired, ours or its holder died here."""
    now = utcnow()
    free = or_(
        ImportJob.lease_owner.is_(None),
        ImportJob.lease_owner == owner,
        abandoned(session=session, now=now),
    )
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_(UNFINISHED), free)
        .values(
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=ttl_s),
            status="running",
            error=None,
            run_started_at=now,
            run_start_checkpoint=ImportJob.checkpoint,
            updated_at=now,
        )
    )
    with serialized_writes(session):
        taken = _rowcount(session.execute(statement)) == 1
        session.commit()
    return taken


def renew_values(ttl_s: float = DEFAULT_TTL_S) -> dict[str, datetime]:
    """Columns that extend a lease from now."""
    now = utcnow()
    return {"lease_expires_at": now + timedelta(seconds=ttl_s), "updated_at": now}


def held(owner: str) -> ColumnElement[bool]:
    """The condition that `owner` still holds a running job's lease."""
    return and_(ImportJob.lease_owner == owner, ImportJob.status == "running")


def finish(
    *, session: Session, job_id: str, owner: str, status: str, error: str | None = None
) -> bool:
    """Set a final (or back-to-queued) status and drop the lease, if we still hold it."""
    now = utcnow()
    values = {"status": status, "error": error, "lease_owner": None, "lease_expires_at": None,
              "updated_at": now}  # fmt: skip
    if status in ("succeeded", "failed", "cancelled"):
        values["finished_at"] = now
    statement = update(ImportJob).where(ImportJob.id == job_id, held(owner)).values(**values)
    with serialized_writes(session):
        done = _rowcount(session.execute(statement)) == 1
        session.commit()
    return done


class Heartbeat:
    """Renews a lease every third of its TTL on its own thread while a long step runs.

    `lost` is set when the lease is gone (the job was cancelled or taken over): the worker then
    discards what the step produced instead of writing it.
    """

    def __init__(
        self, factory: sessionmaker[Session], *, job_id: str, owner: str, ttl_s: float
    ) -> None:
        self.factory, self.job_id, self.owner, self.ttl_s = factory, job_id, owner, ttl_s
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def beat(self) -> bool:
        """Extend the lease now; False when it is no longer ours."""
        statement = (
            update(ImportJob)
            .where(ImportJob.id == self.job_id, held(self.owner))
            .values(**renew_values(self.ttl_s))
        )
        with self.factory() as session, serialized_writes(session):
            ours = _rowcount(session.execute(statement)) == 1
            session.commit()
        if not ours:
            self.lost.set()
        return ours

    def _run(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                if not self.beat():
                    return
            except Exception as e:  # a database blip: the next beat (or the TTL) decides
                log.warning("lease heartbeat of job %s failed: %s", self.job_id, e)
