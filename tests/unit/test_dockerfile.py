"""The Dockerfile cannot run here, so check what it relies on: commands, modules, settings, paths."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.main import get_command

from feedback_ai.cli.main import app
from feedback_ai.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# Instructions with their continuation lines joined, comments dropped: (keyword, rest).
INSTRUCTIONS = [
    (m.group(1).upper(), m.group(2))
    for m in re.finditer(
        r"^(\w+)\s+(.*)$",
        re.sub(r"\\\n\s*", " ", re.sub(r"^\s*#.*\n", "", DOCKERFILE, flags=re.M)),
        re.M,
    )
]
SEPARATORS = {"&&", "||", ";", "|"}


def _argvs(keyword: str) -> list[list[str]]:
    """Each command line of the RUN or CMD instructions (HEALTHCHECK CMD included), split on
    the shell's separators; the JSON (exec) form is taken as it is."""
    lines = []
    for kw, rest in INSTRUCTIONS:
        if kw == "HEALTHCHECK" and keyword == "CMD":
            kw, rest = "CMD", rest[rest.index("CMD") + 3 :]
        if kw != keyword:
            continue
        rest = rest.strip()
        if rest.startswith("["):
            lines.append(json.loads(rest))
            continue
        argv: list[str] = []
        for token in shlex.split(rest):
            if token in SEPARATORS:
                lines.append(argv)
                argv = []
            else:
                argv.append(token)
        lines.append(argv)
    return [argv for argv in lines if argv]


def _feedback_ai_calls() -> list[list[str]]:
    return [argv for kw in ("RUN", "CMD") for argv in _argvs(kw) if argv[0] == "feedback-ai"]


def _resolve(argv: list[str]) -> tuple[Any, list[str]]:
    """The (sub)command an argv names, and the arguments left for it."""
    command: Any = get_command(app)  # Typer's own click: groups are those with subcommands
    rest = argv[1:]
    while hasattr(command, "commands"):
        assert rest and rest[0] in command.commands, f"{argv}: no command {rest[:1]}"
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


class TestDockerfile:
    """Multi-stage, non-root, with a healthcheck and commands that we ship and test."""

    def test_multi_stage_and_non_root(self) -> None:
        assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) >= 2
        users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
        assert users and users[-1] not in ("root", "0")

    def test_the_parser_sees_the_commands(self) -> None:
        calls = _feedback_ai_calls()
        assert {argv[1] for argv in calls} >= {"train", "serve"}, calls
        assert ["python", "-m", "feedback_ai.ops.probe"] in _argvs("CMD")  # the HEALTHCHECK

    def test_feedback_ai_commands_and_options_exist(self) -> None:
        for argv in _feedback_ai_calls():
            command, rest = _resolve(argv)
            options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
            given = {a.split("=")[0] for a in rest if a.startswith("--")}
            assert given <= options, f"{argv}: unknown options {given - options}"

    def test_python_snippets_import_what_exists(self) -> None:
        for argv in _argvs("RUN") + _argvs("CMD"):
            if argv[0] not in ("python", "python3"):
                continue
            if "-m" in argv:
                module = argv[argv.index("-m") + 1]
                assert importlib.util.find_spec(module) is not None, argv
            if "-c" in argv:
                tree = ast.parse(argv[argv.index("-c") + 1])
                for node in ast.walk(tree):
                    if isinstance(node, ast.ImportFrom) and node.module:
                        module = importlib.import_module(node.module)
                        for alias in node.names:
                            assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
                    elif isinstance(node, ast.Import):
                        for alias in node.names:
                            assert importlib.util.find_spec(alias.name) is not None, alias.name

    def test_the_served_default_model_is_the_one_trained_at_build_time(self) -> None:
        """serve --default-model names a folder the runtime stage copies from the training step."""
        serve = next(argv for argv in _argvs("CMD") if argv[1:2] == ["serve"])
        default = serve[serve.index("--default-model") + 1]
        train = next(argv for argv in _feedback_ai_calls() if argv[1] == "train")
        built = train[train.index("--models-dir") + 1]
        assert "--no-register" in train  # the registry is the runtime database's, not the build's
        copies = re.findall(rf"^COPY --from=\S+ {re.escape(built)} (\S+)$", DOCKERFILE, re.M)
        assert copies and default.startswith(copies[0] + "/"), (default, copies)

    def test_the_healthcheck_probe_is_light_and_says_unhealthy(self, tmp_path: Path) -> None:
        """Within a HEALTHCHECK's timeout on a busy host: no model library is imported."""
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        code = (
            "import runpy, sys\n"
            "try:\n    runpy.run_module('feedback_ai.ops.probe', run_name='__main__')\n"
            "finally:\n    print(sorted(m for m in ('sklearn', 'spacy', 'numpy', 'feedback_ai.ml')"
            " if m in sys.modules))"
        )
        env = {**os.environ, "FEEDBACK_AI_PORT": str(port), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 1, done.stderr
        assert done.stdout.splitlines() == [f"unhealthy: http://127.0.0.1:{port}/healthz", "[]"]

    def test_env_names_are_settings(self) -> None:
        names = set(re.findall(r"FEEDBACK_AI_([A-Z_]+)=", DOCKERFILE))
        fields = {f.upper() for f in Settings.model_fields}
        assert names and names <= fields, names - fields

    def test_copied_paths_exist(self) -> None:
        for src in re.findall(r"^COPY (?!--from)([^\n]+) \S+$", DOCKERFILE, re.M):
            for path in src.split():
                assert (ROOT / path).exists() or path == "README.md", path
