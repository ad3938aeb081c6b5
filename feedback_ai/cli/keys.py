"""`feedback-ai keys create | list | revoke`: manage API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from feedback_ai.auth import service
from feedback_ai.cli.common import cli_session, fail
from feedback_ai.settings import get_settings

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create_command(
    role: Annotated[str, typer.Option(help="ingest, reviewer or admin")],
    name: Annotated[str, typer.Option(help="Who or what uses the key, e.g. zendesk-sync")],
) -> None:
    """Create a key and print it once; only its hash is stored."""
    if role not in service.ROLES:
        raise fail(f"unknown role {role!r}; use one of: {', '.join(service.ROLES)}", code=2)
    if not name.strip() or len(name) > 100 or "\x00" in name:
        raise fail("--name must be 1-100 characters", code=2)
    with cli_session(get_settings()) as session:
        key, token = service.create_key(session=session, name=name, role=role, actor="cli")
    typer.echo(f"Created {role} key {key.id} ({name}). Store it now, it is not shown again:")
    typer.echo(token)


@app.command("list")
def list_command(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys")] = False,
) -> None:
    """List keys (never their secrets)."""
    with cli_session(get_settings()) as session:
        keys = service.list_keys(session=session, include_revoked=all_keys)
    if not keys:
        typer.echo("No keys. Create one with `feedback-ai keys create --role admin --name me`.")
        return
    typer.echo(f"{'ID':36}  {'ROLE':8}  {'PREFIX':12}  {'CREATED':20}  {'REVOKED':20}  NAME")
    for k in keys:
        revoked = k.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if k.revoked_at else "-"
        created = k.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{k.id:36}  {k.role:8}  {k.prefix:12}  {created:20}  {revoked:20}  {k.name}")


@app.command("revoke")
def revoke_command(
    key_id: Annotated[str, typer.Argument(help="The key's id, from `keys list`")],
    force: Annotated[bool, typer.Option(help="Allow revoking the last admin key")] = False,
) -> None:
    """Revoke a key at once."""
    with cli_session(get_settings()) as session:
        key = service.get_key(session=session, key_id=key_id)
        if key is None:
            raise fail(f"no key with id {key_id!r}; see `feedback-ai keys list --all`")
        try:
            service.revoke_key(session=session, key=key, actor="cli", allow_last_admin=force)
        except service.LastAdminError as e:
            raise fail(f"{e} (or pass --force)") from e
    typer.echo(f"Revoked key {key_id} ({key.name}).")
