"""`feedback-ai requirements relink`: link stored candidates to requirements again."""

from __future__ import annotations

import typer

from feedback_ai.cli.common import cli_session, fail
from feedback_ai.requirements import service
from feedback_ai.settings import get_settings

app = typer.Typer(help="Maintain the requirements grouped from feedback.", no_args_is_help=True)


@app.command("relink")
def relink_command() -> None:
    """Link every stored item's current candidates (after a retrain, or if linking failed)."""
    with cli_session(get_settings()) as session:
        report = service.relink_all(session=session)
    typer.echo(f"Added {report.linked} evidence links.")
    if report.failed:
        raise fail(
            f"{len(report.failed)} items could not be linked (see the log), e.g. "
            f"{', '.join(report.failed[:3])}; run the command again once the cause is fixed."
        )
