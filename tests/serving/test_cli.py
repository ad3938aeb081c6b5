"""`feedback-ai models ...` and `feedback-ai train` registering what it trains."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from feedback_ai.cli.main import app
from feedback_ai.serving import champion
from feedback_ai.settings import get_settings
from tests.factories import copy_model_as
from tests.serving.conftest import plant_model

runner = CliRunner()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, database_url: str, session: Session) -> Iterator[str]:
    """The CLI on the (emptied) test database."""
    monkeypatch.setenv("FEEDBACK_AI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_register_show_promote_rollback(
    cli_db: str, session: Session, trained, tmp_path: Path
) -> None:
    assert "No registered model" in runner.invoke(app, ["models", "list"]).output
    b = copy_model_as(trained.path, tmp_path / "b", "b")
    first = runner.invoke(app, ["models", "register", str(trained.path), "--promote"])
    assert first.exit_code == 0, first.output
    assert f"{trained.version} is the champion" in first.output
    assert runner.invoke(app, ["models", "register", str(b)]).exit_code == 0
    promoted = runner.invoke(app, ["models", "promote", "b", "--reason", "retrained"])
    assert promoted.exit_code == 0 and f"{trained.version} -> b" in promoted.output
    shown = json.loads(runner.invoke(app, ["models", "show", "b"]).output)
    assert shown["champion"] and shown["status"] == "champion"
    assert shown["history"][0]["reason"] == "retrained"
    assert shown["history"][0]["actor"].startswith("cli")
    back = runner.invoke(app, ["models", "rollback"])
    assert back.exit_code == 0 and f"b -> {trained.version}" in back.output
    assert champion.champion_version(session=session) == trained.version


def test_errors_exit_non_zero_with_the_reason(cli_db: str, tmp_path: Path) -> None:
    planted = plant_model(tmp_path, tmp_path / "pwned")
    with (planted / "model.joblib").open("ab") as f:
        f.write(b"x")
    refused = runner.invoke(app, ["models", "register", str(planted)])
    assert refused.exit_code == 1 and "sha256" in refused.output
    assert not (tmp_path / "pwned").exists()
    unknown = runner.invoke(app, ["models", "promote", "nope"])
    assert unknown.exit_code == 1 and "no registered model 'nope'" in unknown.output
    assert runner.invoke(app, ["models", "show", "nope"]).exit_code == 1
    assert "no champion" in runner.invoke(app, ["models", "rollback"]).output


def test_train_registers_the_first_model_as_champion_then_challengers(
    cli_db: str, session: Session, tmp_path: Path
) -> None:
    data = tmp_path / "mine.jsonl"
    rows = [{"text": f"{w} is broken again {i}", "kind": "bug"}
            for i, w in enumerate(["export", "login", "search", "sync"] * 5)]  # fmt: skip
    rows += [{"text": f"please add {w} {i}", "kind": "feature_request"}
             for i, w in enumerate(["sso", "dark mode", "api", "pdf"] * 5)]  # fmt: skip
    data.write_text("\n".join(json.dumps(r) for r in rows))
    base = ["train", "--data", str(data), "--models-dir", str(tmp_path / "m"), "--no-embeddings"]
    first = runner.invoke(app, [*base, "--version", "one"])
    assert first.exit_code == 0, first.output
    assert "registered one as the champion" in first.output
    second = runner.invoke(app, [*base, "--version", "two"])
    assert "registered two as a challenger" in second.output
    assert "feedback-ai models promote two" in second.output
    offline = runner.invoke(app, [*base, "--version", "three", "--no-register"])
    assert offline.exit_code == 0 and "registered" not in offline.output
    assert champion.champion_version(session=session) == "one"
