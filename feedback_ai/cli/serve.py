"""`feedback-ai serve` (first run included) and `feedback-ai healthcheck`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.orm import Session

from feedback_ai.auth import service as auth_service
from feedback_ai.cli.common import cli_session, fail, safe_url
from feedback_ai.errors import ArtifactError, FeedbackAIError
from feedback_ai.ml.artifacts import verify
from feedback_ai.ops.logging import configure_logging
from feedback_ai.ops.probe import default_url, healthy
from feedback_ai.serving.champion import promote
from feedback_ai.serving.registry import check_artifact, find_by_path, register_model
from feedback_ai.serving.selection import ModelRef, pinned_record, serving_candidates
from feedback_ai.settings import Settings, get_settings
from feedback_ai.web.render import UI_PREFIX

app = typer.Typer()


def _usable(ref: ModelRef) -> bool:
    """Whether a registered model still matches its sha256 and manifest (nothing unpickled)."""
    try:
        verify(check_artifact(record=ref))
    except ArtifactError as e:
        typer.secho(f"Cannot serve model {ref.version}: {e}", fg=typer.colors.YELLOW, err=True)
        return False
    return True


def _unregistered_folders(settings: Settings, session: Session) -> list[Path]:
    """Model folders in models_dir the registry does not know: never served until registered."""
    root = Path(settings.models_dir)
    if not root.is_dir():
        return []
    return [
        child
        for child in sorted(root.iterdir())
        if (child / "manifest.json").is_file() and find_by_path(session=session, path=child) is None
    ]


def ensure_model(settings: Settings, *, default_model: Path | None = None) -> None:
    """Make sure a registered model can be served; on first run, train and register the default.

    Training happens only when the registry has nothing usable (no rows on first run, or every
    registered artifact missing or altered): the trained model becomes the champion, so the next
    start finds it and does not train again. `default_model`, a model directory the operator
    trusts (the Docker image's, trained at build time), is registered and promoted instead of
    training, unless it cannot be. Folders merely present in models_dir are never trusted; they
    are listed with the command that registers them.
    """
    with cli_session(settings) as session:
        if settings.model_version:
            if pinned_record(session=session, pinned=settings.model_version) is None:
                raise fail(
                    f"FEEDBACK_AI_MODEL_VERSION={settings.model_version} is not a registered "
                    "model; register it with `feedback-ai models register PATH` or unset it",
                    code=2,
                )
            return
        refs = serving_candidates(session=session)
        if any(_usable(ref) for ref in refs):
            return
        unregistered = _unregistered_folders(settings, session)
    reason = "No registered model can be served" if refs else "No registered model yet"
    for folder in unregistered:
        typer.secho(
            f"Not trusted (unregistered): {folder}; if you trained it, run "
            f"`feedback-ai models register {folder}`",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if default_model is not None and _promote_default(settings, default_model, reason):
        return
    from feedback_ai.ml.training.train import train_model

    typer.echo(
        f"{reason}: training the default model from the bundled seed data (about a minute)..."
    )
    result = train_model(models_dir=settings.models_dir)
    with cli_session(settings) as session:
        record = register_model(session=session, path=result.path, actor="cli:serve")
        promote(
            session=session,
            version=record.version,
            actor="cli:serve",
            reason=f"{reason.lower()}: first-run training",
        )
    typer.echo(f"Trained and registered model {result.version} ({result.path}) as the champion")


def _promote_default(settings: Settings, path: Path, reason: str) -> bool:
    """Register and promote the given default model; False (and why) when it cannot be served."""
    try:
        with cli_session(settings) as session:
            record = register_model(session=session, path=path, actor="cli:serve")
            promote(session=session, version=record.version, actor="cli:serve",
                    reason=f"{reason.lower()}: the default model {path}")  # fmt: skip
    except FeedbackAIError as e:
        typer.secho(f"Cannot serve the default model {path}: {e}", fg=typer.colors.YELLOW, err=True)
        return False
    typer.echo(f"{reason}: registered the default model {record.version} ({path}) as the champion")
    return True


def ensure_admin_key(settings: Settings) -> None:
    """Create and print a one-time admin key when no admin key exists yet."""
    with cli_session(settings) as session:
        if auth_service.has_active_admin(session=session):
            return
        if settings.bootstrap_admin_key is not None:
            return  # the app stores it at startup
        _key, token = auth_service.create_key(
            session=session, name="first-run admin", role="admin", actor="cli:serve"
        )
    typer.secho(
        "Admin API key (shown once; store it now, only its hash is kept):", fg=typer.colors.YELLOW
    )
    typer.secho(f"  {token}", bold=True)


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Default: FEEDBACK_AI_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: FEEDBACK_AI_PORT or 8000")] = None,
    default_model: Annotated[
        Path | None,
        typer.Option(
            help="A model directory you trust, registered and promoted instead of training one "
            "when no registered model can be served (the Docker image's, trained at build time)."
        ),
    ] = None,
) -> None:
    """Migrate, train the default model if none, print an admin key on first run, serve."""
    from feedback_ai.main import create_app

    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = get_settings().model_copy(update=updates)
    configure_logging(settings.log_level)
    ensure_model(settings, default_model=default_model)
    ensure_admin_key(settings)
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = f"http://{shown}:{settings.port}"
    typer.echo(f"Database: {safe_url(settings.database_url)}")
    typer.secho(f"feedback-ai is serving on {url}  (API docs: {url}/docs)", fg=typer.colors.GREEN)
    typer.secho(
        f"Review UI: {url}{UI_PREFIX}/queue  (log in with a reviewer or admin key)",
        fg=typer.colors.GREEN,
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@app.command("healthcheck")
def healthcheck_command(
    url: Annotated[
        str | None, typer.Option(help="Default: http://127.0.0.1:<port>/healthz")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds")] = 3.0,
) -> None:
    """Exit 0 when the local service answers /healthz (the Docker HEALTHCHECK runs the same probe)."""
    url = url or default_url()
    ok = healthy(url, timeout=timeout)
    typer.echo("healthy" if ok else f"unhealthy: {url}")
    raise typer.Exit(code=0 if ok else 1)
