"""Request and response bodies of imports over HTTP and of jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_ai.jobs.models import ImportJob, QuarantinedRow
from feedback_ai.jobs.service import JobProgress

Column = Annotated[str, Field(min_length=1, max_length=255)]


class ImportRequest(BaseModel):
    """How to read the file: a preset, or columns (flags of `feedback-ai import`), or a mapping."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(
        None, max_length=4096, description="A file inside FEEDBACK_AI_IMPORT_DIR (JSON only)"
    )
    preset: str | None = Field(None, max_length=64, examples=["zendesk"])
    format: str | None = Field(None, max_length=16, examples=["csv"])
    text_columns: list[Column] = Field(default_factory=list, max_length=20)
    id_column: Column | None = None
    date_column: Column | None = None
    account_column: Column | None = None
    account_name_column: Column | None = None
    arr_column: Column | None = None
    source: str | None = Field(None, max_length=32)
    mapping: dict[str, Any] | None = None

    def overrides(self) -> dict[str, Any]:
        """The column flags given."""
        return {"text_columns": tuple(self.text_columns), "id_column": self.id_column,
                "date_column": self.date_column, "account_column": self.account_column,
                "account_name_column": self.account_name_column, "arr_column": self.arr_column,
                "source": self.source}  # fmt: skip


class ImportQueued(BaseModel):
    """The answer to an import: follow GET /v1/jobs/{job_id}."""

    job_id: str
    status: str
    resumed: bool = Field(description="An unfinished job for the same file and options")


class JobSummary(BaseModel):
    """What the job did so far: read = imported + duplicates + quarantined."""

    read: int
    imported: int
    duplicates: int
    quarantined: int


class GateFigures(BaseModel):
    """One gated metric on the same held-out data: champion, challenger, difference, passed."""

    champion: float | None
    challenger: float | None
    delta: float | None
    ok: bool


class RetrainSummary(BaseModel):
    """What a retrain did: outcome, why, the gate's figures, the snapshot and the new version."""

    outcome: Literal["promoted", "refused", "skipped"] | None = Field(
        None, description="None while it runs; skipped: too few new decisions"
    )
    reasons: list[str] = Field(default_factory=list, description="Why refused or skipped")
    forced: bool = False
    new_decisions: int | None = Field(None, description="Decisions since the champion")
    decisions: int | None = Field(None, description="Decisions trained on (latest per field)")
    snapshot_sha256: str | None = None
    version: str | None = Field(None, description="The challenger (the champion if promoted)")
    previous_champion: str | None = None
    gate: dict[str, GateFigures] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


# Share of a retrain done when each stage starts (training is nearly all of it).
RETRAIN_PROGRESS = {"queued": 0.0, "snapshot": 0.02, "training": 0.05, "registering": 0.95,
                    "done": 1.0}  # fmt: skip


class JobPublic(BaseModel):
    """A job's state, progress and summary (an import's counters, or a retrain's outcome)."""

    id: str
    kind: str
    status: str
    stage: str | None = Field(None, description="A retrain's step: snapshot, training, ...")
    file_name: str
    summary: JobSummary | RetrainSummary
    checkpoint: int = Field(description="Rows of the file accounted for and committed")
    total_estimate: int | None = Field(description="Rows in the file, when it can be estimated")
    progress: float | None = Field(description="checkpoint / total_estimate, 0..1")
    rate: float | None = Field(description="Rows per second over the current (or last) run")
    eta_s: float | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, p: JobProgress) -> JobPublic:
        """From a job and its computed progress."""
        job: ImportJob = p.job
        if job.kind == "retrain":
            return cls.of_retrain(job)
        total = job.total_estimate
        return cls(
            id=job.id, kind=job.kind, status=job.status, file_name=job.file_name,
            summary=JobSummary(read=job.read_count, imported=job.imported,
                               duplicates=job.duplicates, quarantined=job.quarantined),
            checkpoint=job.checkpoint, total_estimate=total,
            progress=1.0 if job.status == "succeeded" else (min(1.0, job.checkpoint / total) if total else None),
            rate=p.rate, eta_s=p.eta_s, error=job.error, created_at=job.created_at,
            updated_at=job.updated_at, finished_at=job.finished_at,
        )  # fmt: skip

    @classmethod
    def of_retrain(cls, job: ImportJob) -> JobPublic:
        """A retrain job: its stage, and its outcome in the summary."""
        return cls(
            id=job.id, kind=job.kind, status=job.status, stage=job.stage, file_name="",
            summary=RetrainSummary.model_validate(job.result or {"options": job.options}),
            checkpoint=0, total_estimate=None,
            progress=RETRAIN_PROGRESS.get(job.stage or ""), rate=None, eta_s=None,
            error=job.error, created_at=job.created_at, updated_at=job.updated_at,
            finished_at=job.finished_at,
        )  # fmt: skip


class QuarantinedRowPublic(BaseModel):
    """A row the import could not store."""

    id: int
    file: str
    row_number: int
    reason: str
    message: str
    raw: str

    @classmethod
    def of(cls, row: QuarantinedRow) -> QuarantinedRowPublic:
        """From a stored row."""
        return cls(id=row.id, file=row.file, row_number=row.row_number, reason=row.reason,
                   message=row.message, raw=row.raw)  # fmt: skip


class QuarantinePage(BaseModel):
    """A page of quarantined rows in file order; pass `next_after` as `after` for more."""

    items: list[QuarantinedRowPublic]
    next_after: int | None
