"""The Dockerfile cannot run here, so check what it relies on: commands, settings, paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.main import get_command

from feedback_ai.cli.main import app
from feedback_ai.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _json_commands(instruction: str) -> list[list[str]]:
    return [json.loads(m) for m in re.findall(rf"{instruction}[^\[]*(\[.*?\])", DOCKERFILE)]


class TestDockerfile:
    """Multi-stage, non-root, with a healthcheck that uses commands we ship and test."""

    def test_multi_stage_and_non_root(self) -> None:
        assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) >= 2
        users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
        assert users and users[-1] not in ("root", "0")

    def test_cmd_and_healthcheck_are_real_commands(self) -> None:
        commands = set(get_command(app).commands)
        for argv in _json_commands("CMD"):
            assert argv[0] == "feedback-ai" and argv[1] in commands, argv

    def test_env_names_are_settings(self) -> None:
        names = set(re.findall(r"FEEDBACK_AI_([A-Z_]+)=", DOCKERFILE))
        fields = {f.upper() for f in Settings.model_fields}
        assert names and names <= fields, names - fields

    def test_copied_paths_exist(self) -> None:
        for src in re.findall(r"^COPY (?!--from)([^\n]+) \S+$", DOCKERFILE, re.M):
            for path in src.split():
                assert (ROOT / path).exists() or path == "README.md", path
