"""`feedback-ai import quarantine`: list or export the rows imports could not store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from feedback_ai.cli.common import cli_session, fail
from feedback_ai.jobs.service import JobNotFound, get_job, iter_quarantine, list_jobs
from feedback_ai.settings import get_settings

COLUMNS = ("job_id", "file", "row_number", "reason", "message", "raw")


def quarantine_command(
    job: Annotated[str | None, typer.Option(help="One job's rows; default: every job")] = None,
    export: Annotated[
        Path | None, typer.Option(help="Write them to FILE.csv or FILE.jsonl")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows listed on screen (not exported)")] = 50,
) -> None:
    """List quarantined rows (file, row, reason, raw row), or export them all."""
    if export is not None and export.suffix.lower() not in (".csv", ".jsonl"):
        raise fail("--export takes a .csv or .jsonl file name")
    with cli_session(get_settings()) as session:
        if job is not None:
            try:
                get_job(session=session, job_id=job)
            except JobNotFound as e:
                raise fail(str(e)) from e
        rows = iter_quarantine(session=session, job_id=job)
        if export is not None:
            written = _export(rows, export)
            typer.echo(f"wrote {written:,} quarantined rows to {export}")
            return
        shown = 0
        for row in rows:
            if shown == limit:
                typer.echo("... more; export them all with --export FILE.csv")
                break
            typer.echo(f"{row.job_id} {row.file}:{row.row_number} [{row.reason}] {row.message}")
            typer.echo(f"    {row.raw[:200]!r}")
            shown += 1
        if shown == 0:
            typer.echo("no quarantined rows")
        if job is None:
            for recent in list_jobs(session=session, limit=5):
                typer.echo(f"job {recent.id} {recent.status} {recent.file_name}: "
                           f"{recent.quarantined:,} quarantined")  # fmt: skip


def _export(rows, path: Path) -> int:  # type: ignore[no-untyped-def]
    """Write every row to CSV or JSON Lines; the count written."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f) if path.suffix.lower() == ".csv" else None
        if writer is not None:
            writer.writerow(COLUMNS)
        for row in rows:
            values = [getattr(row, c) for c in COLUMNS]
            if writer is not None:
                writer.writerow(values)
            else:
                f.write(json.dumps(dict(zip(COLUMNS, values, strict=True)), ensure_ascii=False))
                f.write("\n")
            written += 1
    return written
