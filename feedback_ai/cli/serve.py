"""`feedback-ai serve` (first run included) and `feedback-ai healthcheck`."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Annotated

import typer
import uvicorn

from feedback_ai.auth import service as auth_service
from feedback_ai.cli.common import cli_session, safe_url
from feedback_ai.errors import ArtifactError
from feedback_ai.ml import latest_version, load_model
from feedback_ai.ops.logging import configure_logging
from feedback_ai.settings import Settings, get_settings
from feedback_ai.web.render import UI_PREFIX

app = typer.Typer()


def ensure_model(settings: Settings) -> None:
    """Train the default model from the bundled seed data when models_dir has none it can load.

    A pinned FEEDBACK_AI_MODEL_VERSION is left alone: a new model would not be the one served.
    """
    if settings.model_version:
        return
    latest = latest_version(settings.models_dir)
    if latest is not None:
        try:
            load_model(settings.models_dir / latest)
            return
        except ArtifactError as e:
            typer.secho(f"Cannot load model {latest}: {e}", fg=typer.colors.YELLOW, err=True)
        reason = f"The newest model in {settings.models_dir}/ cannot be loaded"
    else:
        reason = f"No model in {settings.models_dir}/"
    from feedback_ai.ml.training.train import train_model

    typer.echo(
        f"{reason}: training the default model from the bundled seed data (about a minute)..."
    )
    result = train_model(models_dir=settings.models_dir)
    typer.echo(f"Trained model {result.version} into {result.path}")


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
) -> None:
    """Migrate, train the default model if none, print an admin key on first run, serve."""
    from feedback_ai.main import create_app

    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = get_settings().model_copy(update=updates)
    configure_logging(settings.log_level)
    ensure_model(settings)
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
    """Exit 0 when the local service answers /healthz (used by the Docker HEALTHCHECK)."""
    url = url or f"http://127.0.0.1:{get_settings().port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            ok = response.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    typer.echo("healthy" if ok else f"unhealthy: {url}")
    raise typer.Exit(code=0 if ok else 1)
