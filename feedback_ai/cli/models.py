"""`feedback-ai models list | show | promote | rollback | register`: which model is served."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

from feedback_ai.cli.common import cli_session, fail
from feedback_ai.errors import FeedbackAIError
from feedback_ai.serving import champion, registry
from feedback_ai.serving.models import ModelRecord
from feedback_ai.settings import get_settings

app = typer.Typer(
    help="The model registry: list, show, register, promote and roll back the champion.",
    no_args_is_help=True,
)
Reason = Annotated[str | None, typer.Option(help="Why; kept in the champion's history.")]


def cli_actor() -> str:
    """Who runs the command, for the champion's history and the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def _figure(record: ModelRecord, name: str) -> str:
    for split in ("golden", "holdout"):
        value = record.metrics.get(split, {}).get(name)
        if value is not None:
            return f"{value:.3f}"
    return "-"


@app.command("list")
def list_command() -> None:
    """Every registered model, newest first; `*` marks the champion. Figures: golden set, else
    held-out data (kind macro-F1, theme micro-F1, requirement-sentence F1)."""
    with cli_session(get_settings()) as session:
        records = registry.list_records(session=session)
        current = champion.champion_version(session=session)
    if not records:
        typer.echo("No registered model. `feedback-ai serve` trains one on first run, or use "
                   "`feedback-ai models register PATH`.")  # fmt: skip
        return
    typer.echo(
        f"  {'VERSION':32}  {'STATUS':10}  {'KIND':>5}  {'THEME':>5}  {'REQ':>5}  TRAINED / REASON"
    )
    for r in records:
        mark = "*" if r.version == current else " "
        figures = "  ".join(
            f"{_figure(r, n):>5}"
            for n in ("kind_macro_f1", "theme_micro_f1", "requirement_sentence_f1")
        )
        note = r.reason if r.status in ("refused", "retired") and r.reason else r.trained_at or ""
        typer.echo(f"{mark} {r.version:32}  {r.status:10}  {figures}  {note}")


@app.command("show")
def show_command(version: Annotated[str, typer.Argument(help="A registered version")]) -> None:
    """One model's record and the champion moves that involved it, as JSON."""
    with cli_session(get_settings()) as session:
        try:
            r = registry.get_record(session=session, version=version)
        except FeedbackAIError as e:
            raise fail(str(e)) from e
        moves = [
            {"action": c.action, "from": c.from_version, "to": c.to_version, "actor": c.actor,
             "reason": c.reason, "at": c.at.isoformat()}
            for c in champion.history(session=session, limit=1000)
            if version in (c.from_version, c.to_version)
        ]  # fmt: skip
        data = {
            "version": r.version, "status": r.status, "reason": r.reason, "sha256": r.sha256,
            "path": r.path, "metrics": r.metrics, "registered_by": r.registered_by,
            "trained_at": r.trained_at, "registered_at": r.created_at.isoformat(),
            "champion": champion.champion_version(session=session) == r.version,
            "history": moves,
        }  # fmt: skip
    typer.echo(json.dumps(data, indent=2))


@app.command("register")
def register_command(
    path: Annotated[Path, typer.Argument(help="A model directory (with manifest.json)")],
    promote: Annotated[bool, typer.Option(help="Also make it the champion")] = False,
    reason: Reason = None,
) -> None:
    """Trust a model directory: record its artifact's sha256 (nothing is unpickled).

    Register only models you trained or trust: a registered model's pickle runs when served.
    """
    with cli_session(get_settings()) as session:
        try:
            record = registry.register_model(session=session, path=path, actor=cli_actor())
            if promote:
                champion.promote(
                    session=session, version=record.version, actor=cli_actor(), reason=reason
                )
        except FeedbackAIError as e:
            raise fail(str(e)) from e
    typer.echo(f"registered {record.version} (sha256 {record.sha256[:12]}...) from {record.path}")
    if promote:
        typer.echo(f"{record.version} is the champion; running servers switch within seconds")


@app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="A registered version")],
    reason: Reason = None,
    force: Annotated[bool, typer.Option(help="Promote a refused challenger anyway")] = False,
) -> None:
    """Make a registered model the champion; running servers switch to it within seconds."""
    with cli_session(get_settings()) as session:
        try:
            change = champion.promote(
                session=session, version=version, actor=cli_actor(), reason=reason, force=force
            )
        except FeedbackAIError as e:
            raise fail(str(e)) from e
    typer.echo(f"champion: {change.from_version or '(none)'} -> {change.to_version}")


@app.command("rollback")
def rollback_command(reason: Reason = None) -> None:
    """Point back at the champion before the current one (again: one step further back)."""
    with cli_session(get_settings()) as session:
        try:
            change = champion.rollback(session=session, actor=cli_actor(), reason=reason)
        except FeedbackAIError as e:
            raise fail(str(e)) from e
    typer.echo(f"champion rolled back: {change.from_version} -> {change.to_version}")
