"""Tables for jobs (imports and retrains: state, counters, checkpoint, lease) and quarantined rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from feedback_ai.db import Base, utcnow
from feedback_ai.ids import new_id

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
UNFINISHED = ("queued", "running", "failed")
RETRAIN = "retrain"
# At most one retrain queued or running, whichever process asks: a partial unique index.
ONE_RETRAIN_WHERE = "kind = 'retrain' AND status IN ('queued', 'running')"


class ImportJob(Base):
    """One import of one file; the counters and the checkpoint move in the chunk's transaction."""

    __tablename__ = "import_job"
    __table_args__ = (
        Index("ix_import_job_fingerprint", "fingerprint", "status"),
        Index(
            "uq_import_job_one_retrain", "kind", unique=True,
            sqlite_where=text(ONE_RETRAIN_WHERE), postgresql_where=text(ONE_RETRAIN_WHERE),
        ),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16), default="import")
    file_path: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    # The file's digest and the options together: the same file read another way is another job.
    fingerprint: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    # Rows of the file accounted for (imported, duplicate or quarantined) and committed.
    checkpoint: Mapped[int] = mapped_column(Integer, default=0)
    total_estimate: Mapped[int | None] = mapped_column(Integer)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    run_started_at: Mapped[datetime | None]
    run_start_checkpoint: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # Retrain jobs: the step under way (snapshot, training, registering, promoting, done) and
    # the outcome (serving/retrain_job.py); None for imports.
    stage: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[dict[str, Any] | None]
    created_by_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="SET NULL")
    )


class QuarantinedRow(Base):
    """A row an import could not store, with where it was, why, and the row as read."""

    __tablename__ = "import_quarantine"
    __table_args__ = (Index("ix_import_quarantine_job_row", "job_id", "row_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(String(255))
    row_number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
