"""The command-line tool: migrate, keys, serve (first run) and healthcheck."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from feedback_ai.cli.main import app
from feedback_ai.cli.serve import ensure_model
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.requirements import service as requirements_service
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.serving import champion, registry
from feedback_ai.settings import Settings, get_settings
from tests.api.domain_fixtures import add_feedback
from tests.factories import copy_model_as, serve_model

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


def _read_until(proc: subprocess.Popen, marker: str, *, timeout_s: float) -> str:
    """Stdout up to the line holding `marker`, or all there was when the time is up.

    A thread does the blocking reads (and keeps draining the pipe afterwards), so a server that
    goes quiet cannot hang the test.
    """
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            seen.append(lines.get(timeout=left))
        except queue.Empty:
            break
        if marker in seen[-1]:
            break
    return "".join(seen)


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
        serve_model(engine, models_dir / "test-model")  # else the first run trains a model
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
            out = _read_until(proc, "Review UI", timeout_s=60)
            assert f"http://127.0.0.1:{port}" in out, out
            assert f"Review UI: http://127.0.0.1:{port}/ui/queue" in out, out
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
            assert httpx.get(f"http://127.0.0.1:{port}/ui/login").status_code == 200
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        down = subprocess.run([*exe, "healthcheck"], env=env, capture_output=True)
        assert down.returncode == 1


class TestEnsureModel:
    """`serve` trains and registers a default model only when no registered model can be served."""

    @pytest.fixture
    def fake_train(self, trained: TrainResult, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
        """Stand in for train_model: 'trains' a copy of the session model named 'retrained'."""
        calls: list[Path] = []

        def train_model(*, models_dir: Path) -> TrainResult:
            calls.append(models_dir)
            path = copy_model_as(trained.path, Path(models_dir) / "retrained", "retrained")
            return TrainResult(version="retrained", path=path, metrics={})

        monkeypatch.setattr("feedback_ai.ml.training.train.train_model", train_model)
        return calls

    @pytest.fixture
    def db_settings(self, database_url: str, session, tmp_path: Path) -> Settings:
        """Settings on the emptied test database and an empty models_dir."""
        return Settings(database_url=database_url, models_dir=tmp_path / "models")

    def test_first_run_trains_registers_and_promotes_once(
        self, db_settings: Settings, fake_train: list[Path], session, capsys
    ) -> None:
        ensure_model(db_settings)
        assert fake_train == [db_settings.models_dir]
        assert champion.champion_version(session=session) == "retrained"
        ensure_model(db_settings)  # the next start serves it: no second training
        assert fake_train == [db_settings.models_dir]

    def test_an_unregistered_folder_is_not_trusted_but_named(
        self, db_settings: Settings, fake_train: list[Path], trained: TrainResult, session, capsys
    ) -> None:
        planted = shutil.copytree(trained.path, db_settings.models_dir / "dropped-in")
        ensure_model(db_settings)
        _out, err = capsys.readouterr()
        assert f"feedback-ai models register {planted}" in err
        assert [r.version for r in registry.list_records(session=session)] == ["retrained"]

    def test_a_usable_champion_is_kept_and_none_is_trained(
        self, db_settings: Settings, fake_train: list[Path], engine: Engine, trained: TrainResult
    ) -> None:
        serve_model(engine, trained.path)
        ensure_model(db_settings)
        assert fake_train == []

    def test_a_tampered_champion_is_reported_and_replaced_once(
        self,
        db_settings: Settings,
        fake_train,
        engine: Engine,
        trained: TrainResult,
        session,
        capsys,
    ) -> None:
        copy = shutil.copytree(trained.path, db_settings.models_dir / trained.version)
        serve_model(engine, copy)
        with (copy / "model.joblib").open("ab") as f:
            f.write(b"tampered")
        ensure_model(db_settings)
        out, err = capsys.readouterr()
        assert f"Cannot serve model {trained.version}" in err and "sha256" in err
        assert "No registered model can be served: training the default model" in out
        assert champion.champion_version(session=session) == "retrained"
        ensure_model(db_settings)
        assert fake_train == [db_settings.models_dir]

    def test_a_default_model_is_promoted_instead_of_training(
        self, db_settings: Settings, fake_train: list[Path], trained: TrainResult, tmp_path, session
    ) -> None:
        """The Docker image's case: a model trained at build time, named by a `default` link."""
        built = shutil.copytree(trained.path, tmp_path / "default-model" / trained.version)
        link = built.parent / "default"
        link.symlink_to(built.name)
        ensure_model(db_settings, default_model=link)
        assert fake_train == []
        record = champion.current_champion(session=session)
        assert record is not None and record.version == trained.version
        assert record.path == str(built.resolve())  # the versioned folder, not the link
        ensure_model(db_settings, default_model=link)  # the next start: nothing to do
        assert fake_train == [] and len(champion.history(session=session)) == 1

    def test_an_altered_default_model_is_refused_and_one_is_trained(
        self, db_settings: Settings, fake_train: list[Path], trained: TrainResult, tmp_path, session,
        capsys,
    ) -> None:  # fmt: skip
        built = shutil.copytree(trained.path, tmp_path / trained.version)
        with (built / "model.joblib").open("ab") as f:
            f.write(b"tampered")
        ensure_model(db_settings, default_model=built)
        _out, err = capsys.readouterr()
        assert f"Cannot serve the default model {built}" in err
        assert fake_train == [db_settings.models_dir]
        assert champion.champion_version(session=session) == "retrained"

    def test_a_pinned_model_must_be_registered(self, db_settings: Settings, fake_train) -> None:
        pinned = db_settings.model_copy(update={"model_version": "not-registered"})
        with pytest.raises(typer.Exit) as exit_info:
            ensure_model(pinned)
        assert exit_info.value.exit_code == 2 and fake_train == []


@pytest.fixture
def configured_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point FEEDBACK_AI_MODELS_DIR somewhere, from a working directory without ./models."""

    def configure(path: Path) -> None:
        monkeypatch.setenv("FEEDBACK_AI_MODELS_DIR", str(path))
        get_settings.cache_clear()

    monkeypatch.chdir(tmp_path)
    yield configure
    get_settings.cache_clear()


class TestModelCommandsUseTheConfiguredModelsDir:
    """train writes where serve reads: --models-dir defaults to FEEDBACK_AI_MODELS_DIR."""

    def test_train_writes_into_the_configured_dir(
        self, configured_models_dir, tmp_path: Path
    ) -> None:
        configured_models_dir(tmp_path / "configured")
        data = tmp_path / "themes.jsonl"
        rows = [{"text": f"{w} is broken {i}", "themes": [w]} for w in ("export", "login")
                for i in range(10)]  # fmt: skip
        data.write_text("\n".join(json.dumps(r) for r in rows))
        args = ["train", "--data", str(data), "--no-embeddings", "--holdout", "0", "--version", "v"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert (tmp_path / "configured" / "v" / "MODEL_CARD.md").is_file()
        assert not (tmp_path / "models").exists()

    def test_classify_and_evaluate_read_the_configured_dir(
        self, configured_models_dir, models_dir: Path, trained: TrainResult, tmp_path: Path
    ) -> None:
        configured_models_dir(models_dir)
        source = tmp_path / "in.jsonl"
        source.write_text('{"text": "Please add dark mode"}\n')
        result = runner.invoke(app, ["classify", str(source), "--model", trained.version])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["model_version"] == trained.version
        golden = tmp_path / "golden.jsonl"
        golden.write_text('{"text": "The export crashes", "kind": "bug"}\n')
        result = runner.invoke(app, ["evaluate", "--data", str(golden), "--model", trained.version])
        assert result.exit_code == 0, result.output

    def test_classify_defaults_to_the_champion_not_the_newest_folder(
        self, configured_models_dir, models_dir: Path, trained: TrainResult, tmp_path: Path
    ) -> None:
        configured_models_dir(models_dir)  # the working directory's own ./var database
        source = tmp_path / "in.jsonl"
        source.write_text('{"text": "Please add dark mode"}\n')
        none = runner.invoke(app, ["classify", str(source)])
        assert none.exit_code == 2 and "No champion model" in none.output
        assert (
            runner.invoke(app, ["models", "register", str(trained.path), "--promote"]).exit_code
            == 0
        )
        result = runner.invoke(app, ["classify", str(source)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["model_version"] == trained.version


class TestRequirementsRelink:
    """feedback-ai requirements relink."""

    def test_links_stored_candidates_once(self, cli_env: str, session) -> None:
        for text, statement in SSO_ASKS:
            add_feedback(session, text, statements=[statement])
        result = runner.invoke(app, ["requirements", "relink"])
        assert result.exit_code == 0, result.output
        assert "Added 3 evidence links." in result.output
        assert session.scalar(select(func.count()).select_from(RequirementEvidence)) == 3
        again = runner.invoke(app, ["requirements", "relink"])
        assert again.exit_code == 0 and "Added 0 evidence links." in again.output

    def test_a_failing_item_is_reported_and_the_others_linked(
        self, cli_env: str, session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [add_feedback(session, t, statements=[s]) for t, s in SSO_ASKS]
        real = requirements_service.link_candidates

        def flaky(*, session, feedback_id, config=None):
            if feedback_id == rows[1].id:
                raise KeyError("a bug, not a database error")
            return real(session=session, feedback_id=feedback_id, config=config)

        monkeypatch.setattr(requirements_service, "link_candidates", flaky)
        result = runner.invoke(app, ["requirements", "relink"])
        assert result.exit_code == 1
        assert "Added 2 evidence links." in result.output
        assert f"1 items could not be linked (see the log), e.g. {rows[1].id}" in result.output


SSO_ASKS = [
    ("We need SSO with Okta before rollout.", "Support SSO with Okta"),
    ("Please add single sign-on via Okta.", "Add single sign-on via Okta"),
    ("Could you let us export reports as PDF?", "Export reports as PDF"),
]
