"""The command-line tool: migrate, keys, serve (first run) and healthcheck."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from feedback_ai.cli.main import app
from feedback_ai.settings import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, session) -> str:
    """Point the CLI at the (emptied) test database."""
    monkeypatch.setenv("FEEDBACK_AI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


class TestMigrateCommand:
    """feedback-ai migrate."""

    def test_reports_the_revision(self, cli_env: str) -> None:
        result = runner.invoke(app, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "is at revision" in result.output

    def test_unreachable_database_is_a_clear_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(
            "FEEDBACK_AI_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
        )
        monkeypatch.setenv("FEEDBACK_AI_DB_CONNECT_TIMEOUT_S", "1")
        get_settings.cache_clear()
        result = runner.invoke(app, ["migrate"])
        get_settings.cache_clear()
        assert result.exit_code == 1
        assert "cannot reach the database" in result.output and "secret" not in result.output


class TestKeysCommands:
    """feedback-ai keys create | list | revoke."""

    def test_create_list_revoke(self, cli_env: str) -> None:
        created = runner.invoke(app, ["keys", "create", "--role", "ingest", "--name", "zendesk"])
        assert created.exit_code == 0, created.output
        token = created.output.strip().splitlines()[-1]
        assert re.match(r"^fai_[0-9a-f]{12}_", token)
        key_id = re.search(r"key ([0-9a-f-]{36})", created.output).group(1)
        listed = runner.invoke(app, ["keys", "list"])
        assert key_id in listed.output and token not in listed.output
        revoked = runner.invoke(app, ["keys", "revoke", key_id])
        assert revoked.exit_code == 0
        assert key_id not in runner.invoke(app, ["keys", "list"]).output
        assert key_id in runner.invoke(app, ["keys", "list", "--all"]).output

    def test_bad_role_and_last_admin(self, cli_env: str) -> None:
        assert (
            runner.invoke(app, ["keys", "create", "--role", "root", "--name", "x"]).exit_code == 2
        )
        created = runner.invoke(app, ["keys", "create", "--role", "admin", "--name", "me"])
        key_id = re.search(r"key ([0-9a-f-]{36})", created.output).group(1)
        refused = runner.invoke(app, ["keys", "revoke", key_id])
        assert refused.exit_code == 1 and "last active admin" in refused.output
        assert runner.invoke(app, ["keys", "revoke", key_id, "--force"]).exit_code == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
class TestServeCommand:
    """feedback-ai serve on a fresh database, as the README and the Dockerfile run it."""

    def test_first_run_prints_url_and_admin_key_then_serves(
        self,
        database_url: str,
        models_dir: Path,
        engine: Engine,
        session,
        tmp_path: Path,
    ) -> None:
        port = _free_port()
        env = {
            **os.environ,
            "FEEDBACK_AI_DATABASE_URL": database_url,
            "FEEDBACK_AI_MODELS_DIR": str(models_dir),
            "FEEDBACK_AI_PORT": str(port),
            "FEEDBACK_AI_HOST": "0.0.0.0",
        }
        exe = [sys.executable, "-m", "feedback_ai.cli.main"]
        proc = subprocess.Popen(
            [*exe, "serve"],
            env=env,
            cwd=tmp_path,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            lines = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                lines.append(line)
                if "serving on" in line:
                    break
            out = "".join(lines)
            assert f"http://127.0.0.1:{port}" in out, out
            token = re.search(r"(fai_[0-9a-f]{12}_\S+)", out).group(1)
            for _ in range(100):
                check = subprocess.run([*exe, "healthcheck"], env=env, capture_output=True)
                if check.returncode == 0:
                    break
                time.sleep(0.2)
            assert check.returncode == 0
            import httpx

            r = httpx.get(f"http://127.0.0.1:{port}/v1/keys", headers={"X-API-Key": token})
            assert r.status_code == 200 and r.json()["items"][0]["role"] == "admin"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        down = subprocess.run([*exe, "healthcheck"], env=env, capture_output=True)
        assert down.returncode == 1
