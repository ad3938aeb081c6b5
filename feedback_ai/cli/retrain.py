"""`feedback-ai retrain`: learn from every PM decision; promote the challenger only if not worse."""

from __future__ import annotations

from typing import Annotated

import typer

from feedback_ai.cli.common import cli_session, fail
from feedback_ai.errors import FeedbackAIError
from feedback_ai.settings import get_settings

app = typer.Typer()


@app.command("retrain")
def retrain_command(
    min_new_decisions: Annotated[
        int, typer.Option(min=0, help="Do nothing (exit 0) until this many new decisions exist.")
    ] = 0,
    tolerance: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="How much worse than the champion a metric may be."),
    ] = 0.02,
    force: Annotated[
        bool, typer.Option(help="Promote the challenger even if it is worse.")
    ] = False,
) -> None:
    """Snapshot the seed plus every human decision, train a challenger, gate it, promote if not
    worse (running servers switch to it within seconds). Safe to run from cron."""
    from feedback_ai.serving.retraining import TooFewDecisions, retrain_from_decisions

    settings = get_settings()
    with cli_session(settings) as session:
        try:
            outcome = retrain_from_decisions(
                session=session, models_dir=settings.models_dir, actor="cli:retrain",
                tolerance=tolerance, force=force, min_new_decisions=min_new_decisions,
            )  # fmt: skip
        except TooFewDecisions as e:
            typer.echo(f"Nothing to do: {e}.")
            return
        except FeedbackAIError as e:
            raise fail(str(e)) from e
    result = outcome.result
    typer.echo(
        f"Challenger {result.version} trained on the seed plus {outcome.decisions} decisions "
        f"(snapshot {result.snapshot_sha256[:12]}) into {result.path}"
    )
    for name, row in result.comparison.get("metrics", {}).items():
        typer.echo(f"  {name}: {row}")
    if outcome.promoted:
        typer.secho(f"Promoted {result.version}: it is the champion now.", fg=typer.colors.GREEN)
    else:
        reasons = "; ".join(map(str, result.comparison.get("reasons", []))) or "worse"
        typer.secho(f"Refused {result.version}: {reasons}", fg=typer.colors.YELLOW)
        raise typer.Exit(3)
