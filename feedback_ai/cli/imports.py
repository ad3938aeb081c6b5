"""`feedback-ai import PATH` and `feedback-ai import quarantine`: files in, a summary out."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from feedback_ai.batch.engine import InlineEngine, ScoringEngine
from feedback_ai.batch.factory import make_engine
from feedback_ai.cli.common import fail, load_scoring_model, migrated_engine, scoring_model_ref
from feedback_ai.cli.import_progress import counts, progress_for
from feedback_ai.cli.quarantine import quarantine_command
from feedback_ai.db import make_sessionmaker, session_scope
from feedback_ai.errors import FeedbackAIError
from feedback_ai.imports import ImportFormatError
from feedback_ai.jobs import lease
from feedback_ai.jobs.importer import DEFAULT_BATCH, JobBusy, run_import
from feedback_ai.jobs.options import import_options
from feedback_ai.jobs.service import estimate_rows, find_or_create_job
from feedback_ai.ml import FeedbackModel
from feedback_ai.requirements.linking import Linker
from feedback_ai.settings import Settings, get_settings


class _DefaultToRun(TyperGroup):
    """`feedback-ai import FILE ...` means `feedback-ai import run FILE ...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToRun,
    help="Import feedback files (CSV, JSON Lines, JSON, Parquet; plain or gzip). "
    "`feedback-ai import FILE --preset zendesk`; `feedback-ai import quarantine`.",
    no_args_is_help=True,
)
app.command("quarantine")(quarantine_command)
EngineFactory = Callable[[FeedbackModel], ScoringEngine]


def _model(settings: Settings) -> FeedbackModel:
    try:
        return load_scoring_model(settings)[0]
    except FeedbackAIError as e:
        raise fail(f"{e}; train one with `feedback-ai train`") from e


def engine_factory(
    settings: Settings, *, workers: int | None, dask_scheduler: str | None
) -> EngineFactory:
    """In this process (workers=0), in local worker processes, or on a Dask cluster.

    The worker processes load the champion from its directory, checked against its registered
    sha256; a Dask cluster gets the model this process loaded and checked.
    """
    if workers is None and (os.cpu_count() or 1) < 2:
        workers = 0  # one core: a worker process would only add the model's second copy
    if workers == 0 and not dask_scheduler:
        return InlineEngine

    def make(model: FeedbackModel) -> ScoringEngine:
        path, sha256 = scoring_model_ref(settings)
        return make_engine(
            model=model, model_path=path, workers=workers, dask_scheduler=dask_scheduler,
            sha256=sha256,
        )  # fmt: skip

    return make


def import_file(
    *, settings: Settings, path: Path, options: dict[str, Any], batch_size: int,
    engine_factory: EngineFactory = InlineEngine,
) -> int:  # fmt: skip
    """Run (or resume) the import of one file and print its summary; the exit code."""
    db = migrated_engine(settings)
    factory = make_sessionmaker(db)
    try:
        with session_scope(factory) as session:
            total = estimate_rows(path, options["format"])
            job, resumed = find_or_create_job(
                session=session, path=path.resolve(), options=options, total_estimate=total
            )
        where = f"resuming from row {job.checkpoint:,}" if resumed else "new"
        typer.echo(f"import job {job.id} ({where}): {path}", err=True)
        scoring = engine_factory(_model(settings)).start()
        # Linking runs in its own process, beside the writer instead of behind it: a thread here
        # shared the writer's GIL, got little of it while rows were stored, and linked its
        # backlog after the last row (9-10 of 22 minutes on 1M rows). Not niced, unlike the
        # server's: there are no requests to go first, and a niced linker on two busy cores
        # would fall behind again and finish last. On SQLite the two processes take turns at
        # the write lock through the busy handler: each write transaction starts with its
        # write (pysqlite emits BEGIN just before the first INSERT/UPDATE, reads before it are
        # autocommit), so it never upgrades a stale read snapshot, the one case SQLite fails
        # with SQLITE_BUSY without waiting (tests/jobs/test_import_linking.py).
        url = db.url.render_as_string(hide_password=False)
        linker = Linker(
            factory, process_url=url, niceness=0, busy_timeout_ms=settings.db_busy_timeout_ms
        ).start()
        # The model and everything loaded so far outlive the import: out of the
        # collector's sight, each full collection no longer walks them (on 5,000 rows, the
        # writer's garbage collection fell from 0.26 to 0.11 ms of CPU per row). Thawed at the
        # end, so a process that imports again (tests) can still collect what it drops.
        gc.freeze()
        started = time.monotonic()
        try:
            with progress_for(sys.stderr) as bar:
                final = run_import(
                    sessionmaker=factory, job_id=job.id, engine=scoring, owner=lease.new_owner(),
                    link=linker, batch_size=batch_size, store_raw_text=settings.store_raw_text,
                    max_text_chars=settings.max_text_chars, on_chunk=bar.update,
                )  # fmt: skip
        except JobBusy as e:
            raise fail(str(e)) from e
        finally:
            scoring.close()
            linker.join()
            linker.close()
            gc.unfreeze()
        seconds = time.monotonic() - started
        typer.echo(f"job {final.id} {final.status}: {counts(final)}; time {seconds:,.1f} s")
        if final.quarantined:
            typer.echo(f"  see them: feedback-ai import quarantine --job {final.id}")
        if final.status != "succeeded":
            typer.secho(f"  {final.error or 'stopped'}", fg=typer.colors.RED, err=True)
            return 1
        return 0
    finally:
        db.dispose()


@app.command("run")
def run_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    preset: Annotated[
        str | None,
        typer.Option(help="zendesk, intercom, google-play, app-store, salesforce, survey"),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, tsv, jsonl, json, parquet")
    ] = None,
    text_column: Annotated[
        list[str] | None, typer.Option(help="Repeat to join several columns (subject + body)")
    ] = None,
    id_column: Annotated[str | None, typer.Option()] = None,
    date_column: Annotated[str | None, typer.Option()] = None,
    account_column: Annotated[str | None, typer.Option()] = None,
    account_name_column: Annotated[str | None, typer.Option()] = None,
    arr_column: Annotated[str | None, typer.Option()] = None,
    source: Annotated[
        str | None, typer.Option(help="support_ticket, sales_note, app_review, survey, other")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", exists=True, dir_okay=False, help="YAML/JSON mapping file"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = DEFAULT_BATCH,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Scoring processes on this machine (default: one per core; 0: in this process).",
        ),
    ] = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            help="Score on this Dask cluster (tcp://host:8786). Default: FEEDBACK_AI_DASK_SCHEDULER."
        ),
    ] = None,
) -> None:
    """Import a file; run it again after a crash to resume, or after success to import nothing twice."""
    overrides = {
        "text_columns": tuple(text_column or ()), "id_column": id_column,
        "date_column": date_column, "account_column": account_column,
        "account_name_column": account_name_column, "arr_column": arr_column, "source": source,
    }  # fmt: skip
    try:
        options = import_options(
            path=path, preset=preset, fmt=fmt, mapping_file=mapping, overrides=overrides
        )
    except (ImportFormatError, KeyError, ValueError) as e:
        raise fail(str(e).strip("'\"")) from e
    settings = get_settings()
    code = import_file(
        settings=settings, path=path, options=options, batch_size=batch_size,
        engine_factory=engine_factory(
            settings, workers=workers, dask_scheduler=dask_scheduler or settings.dask_scheduler
        ),
    )  # fmt: skip
    raise typer.Exit(code)
