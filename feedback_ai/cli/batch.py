"""`feedback-ai rescore`: re-predict stored feedback with another model, here or on a Dask cluster."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from feedback_ai.cli.common import cli_session, fail
from feedback_ai.errors import FeedbackAIError
from feedback_ai.settings import get_settings

app = typer.Typer(help="Score stored feedback in bulk.", no_args_is_help=True)
PROGRESS_EVERY_S = 10.0


@app.command("rescore")
def rescore_command(
    model: Annotated[
        str | None,
        typer.Option("--model", help="Version name or directory. Default: the champion."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(help="Only items received at or after this date (UTC unless an offset)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Local scoring processes (default: one per core; 0: in process)."),
    ] = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            help="Score on this Dask cluster (tcp://host:8786). Default: FEEDBACK_AI_DASK_SCHEDULER."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Items per chunk.")] = 500,
    models_dir: Annotated[Path | None, typer.Option(help="Where versioned models live.")] = None,
) -> None:
    """Add predictions by another model to stored items; their old predictions and every human
    decision stay. Run it again after an interruption: items already done are skipped."""
    from feedback_ai.batch.factory import make_engine
    from feedback_ai.batch.rescore import RescoreReport, rescore
    from feedback_ai.cli.common import load_scoring_model

    settings = get_settings()
    try:
        fitted, path, sha256 = load_scoring_model(settings, model, models_dir)
    except FeedbackAIError as e:
        raise fail(str(e), code=2) from e
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    scheduler = dask_scheduler or settings.dask_scheduler
    engine = make_engine(
        model=fitted, model_path=path, workers=workers, dask_scheduler=scheduler, sha256=sha256
    )
    where = f"the Dask cluster at {scheduler}" if scheduler else "this machine"
    last = [time.monotonic()]

    def progress(report: RescoreReport) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            typer.echo(f"  {report.rescored} rescored, {report.rate:.0f} items/s", err=True)

    with cli_session(settings) as session:
        try:
            engine.start()
            typer.echo(f"Rescoring with {fitted.version} on {where}.", err=True)
            report = rescore(
                session=session, engine=engine, model_version=fitted.version, since=since,
                batch_size=batch_size, store_raw_text=settings.store_raw_text, on_page=progress,
            )  # fmt: skip
        except FeedbackAIError as e:
            raise fail(f"{e}. Items done so far are kept; run the command again to go on.") from e
        finally:
            engine.close()
    typer.echo(
        f"Rescored {report.rescored} items with {report.model_version} in {report.seconds:.1f} s "
        f"({report.rate:.0f} items/s); {report.already_current} already had it; "
        f"{report.linked} new requirement links."
    )
    if report.gone:
        typer.echo(f"{report.gone} items were deleted while being rescored.")
    if report.link_failed:
        raise fail(
            f"{len(report.link_failed)} items could not be linked (see the log); "
            "run `feedback-ai requirements relink`."
        )
