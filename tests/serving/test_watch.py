"""A promotion or rollback made from the command line reaches every running server, unrestarted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from feedback_ai.cli.main import app as cli
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.serving import registry
from feedback_ai.settings import get_settings
from tests.factories import serve_model

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
DEADLINE_S = 240  # a bound on waiting, not a timing assertion
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json()["model_version"]
    except (httpx.HTTPError, ValueError):
        return None


def _until_all(ports: list[int], version: str, servers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while any(_version(port) != version for port in ports):
        if time.monotonic() > deadline or any(s.poll() is not None for s in servers):
            seen = {port: _version(port) for port in ports}
            pytest.fail(f"servers did not all reach {version}: {seen}")
        time.sleep(0.2)


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[str]:
    """The CLI on the test database."""
    monkeypatch.setenv("FEEDBACK_AI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_cli_promotion_and_rollback_reach_two_running_servers(
    cli_db: str,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    trained: TrainResult,
    second_model: TrainResult,
) -> None:
    serve_model(engine, trained.path)
    registry.register_model(session=session, path=second_model.path, actor="retrain")
    ports = [_free_port(), _free_port()]
    servers = []
    for port, in_process in zip(ports, ("true", "false"), strict=True):
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "FEEDBACK_AI_DATABASE_URL": cli_db,
            "FEEDBACK_AI_MODELS_DIR": str(tmp_path / "models"),
            "FEEDBACK_AI_MODEL_WATCH_S": "0.5",
            "FEEDBACK_AI_INFERENCE_PROCESS": in_process,  # one with worker processes, one without
            "FEEDBACK_AI_LOG_LEVEL": "WARNING",
        }
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "feedback_ai.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
    try:
        _until_all(ports, trained.version, servers)
        promoted = runner.invoke(cli, ["models", "promote", second_model.version, "--reason", "x"])
        assert promoted.exit_code == 0, promoted.output
        assert f"{trained.version} -> {second_model.version}" in promoted.output
        _until_all(ports, second_model.version, servers)
        listed = runner.invoke(cli, ["models", "list"])
        assert f"* {second_model.version}" in listed.output and "retired" in listed.output
        back = runner.invoke(cli, ["models", "rollback", "--reason", "complaints"])
        assert back.exit_code == 0, back.output
        _until_all(ports, trained.version, servers)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
