"""How `feedback-ai import` shows progress: a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from feedback_ai.jobs.models import ImportJob

PLAIN_EVERY_S = 5.0


def counts(job: ImportJob) -> str:
    """read / imported / duplicates / quarantined, in words."""
    return (
        f"read {job.read_count:,}, imported {job.imported:,}, duplicates {job.duplicates:,}, "
        f"quarantined {job.quarantined:,}"
    )


class PlainProgress:
    """A line every few seconds with counts and the rate of this run (logs, CI, pipes)."""

    def __init__(self, out: TextIO, *, every_s: float = PLAIN_EVERY_S) -> None:
        self.out = out
        self.every_s = every_s
        self._start = time.monotonic()
        self._last = 0.0
        self._first: int | None = None

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, job: ImportJob) -> None:
        """Print the job's counts if the last line is old enough."""
        now = time.monotonic()
        if self._first is None:
            self._first = job.run_start_checkpoint
        if now - self._last < self.every_s:
            return
        self._last = now
        rate = (job.checkpoint - self._first) / max(now - self._start, 1e-9)
        total = f" of ~{job.total_estimate:,}" if job.total_estimate else ""
        print(f"  {job.checkpoint:,}{total} rows: {counts(job)} ({rate:,.0f} rows/s)",
              file=self.out, flush=True)  # fmt: skip


class RichProgress:
    """A progress bar with rate and ETA (ETA only when the file's row count could be estimated)."""

    def __init__(self, out: TextIO) -> None:
        self.progress = Progress(
            TextColumn("[bold]import"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}"),
            console=Console(file=out),
        )
        self.task = self.progress.add_task("import", total=None, rate="-", counts="")
        self._start = time.monotonic()
        self._first: int | None = None

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def update(self, job: ImportJob) -> None:
        """Move the bar to the job's checkpoint."""
        if self._first is None:
            # A resumed run starts at its checkpoint: not counted as this run's speed.
            self._first = job.run_start_checkpoint
            self.progress.reset(self.task, completed=self._first, total=job.total_estimate)
        rate = (job.checkpoint - self._first) / max(time.monotonic() - self._start, 1e-9)
        self.progress.update(
            self.task,
            completed=job.checkpoint,
            total=job.total_estimate,
            rate=f"{rate:,.0f}",
            counts=counts(job),
        )


def progress_for(out: TextIO = sys.stderr) -> PlainProgress | RichProgress:
    """The bar on a terminal, lines elsewhere."""
    return RichProgress(out) if out.isatty() else PlainProgress(out)
