"""Nothing left half-done after a crash (issue 12, item 4): linking resumes on start, and worker
processes end when the server is killed with kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from feedback_ai.db import make_sessionmaker
from feedback_ai.feedback import ingest
from feedback_ai.feedback.schemas import FeedbackCreate
from feedback_ai.ml import predict
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.requirements.service import unlinked_feedback_ids
from feedback_ai.settings import Settings
from tests.factories import serve_model

REPO = Path(__file__).resolve().parents[2]
ASKS = [
    "Please add scheduled exports of the pipeline report to CSV.",
    "We need SAML single sign-on with Okta before we can roll out.",
    "It would be great to have a dark mode in the mobile app.",
]


def test_start_links_what_was_acknowledged_but_not_linked(
    client: TestClient, engine: Engine, settings: Settings, model
) -> None:
    """Items committed (acknowledged) whose linking never ran are linked by the next start."""
    with make_sessionmaker(engine)() as session:
        items = [FeedbackCreate(text=t, source="survey", external_id=f"crash-{i}")
                 for i, t in enumerate(ASKS)]  # fmt: skip
        ingest.ingest(session=session, items=items, classify=lambda xs: predict(model, xs))
        pending = unlinked_feedback_ids(session=session)
    assert len(pending) == len(ASKS)  # stored with candidates, as after a kill -9 before linking

    from feedback_ai.main import create_app

    with TestClient(create_app(settings)) as restarted:
        restarted.app.state.linker.join()
    with Session(engine) as session:
        assert unlinked_feedback_ids(session=session) == []
        linked = select(func.count(func.distinct(RequirementEvidence.feedback_id)))
        assert session.scalar(linked) == len(ASKS)


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_and_wait(parent: subprocess.Popen, children: set[int], bound_s: float = 30.0) -> set[int]:
    """kill -9 the parent; the children still alive once they all exited or `bound_s` passed."""
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.2)
    left = {p for p in children if _alive(p)}
    for p in left:  # never leave orphans behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    return left


LINKER_PARENT = """
import sys, time
from feedback_ai.db import make_engine, make_sessionmaker, migrate
from feedback_ai.requirements.linking import Linker
url = sys.argv[1]
migrate(make_engine(url))
linker = Linker(make_sessionmaker(make_engine(url)), process_url=url).start()
linker.submit(["no-such-item"])
linker.join()
print(" ".join(str(p) for p in linker._pool._processes), flush=True)
time.sleep(600)
"""


def test_linker_worker_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    """The linking worker process (used with a database server) held its queue's both ends and
    lived on after kill -9 of the server, with its database connection."""
    url = f"sqlite:///{tmp_path / 'linker.db'}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen(
        [sys.executable, "-c", LINKER_PARENT, url], stdout=subprocess.PIPE, env=env, text=True
    )
    workers = {int(p) for p in parent.stdout.readline().split()}
    assert workers, "the linker started a worker process"
    children = _children(parent.pid)
    assert workers <= children
    assert _kill_and_wait(parent, children) == set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_workers_exit_when_the_server_is_killed(
    tmp_path: Path, database_url: str, models_dir: Path, client: TestClient, engine: Engine
) -> None:
    """A real server (inference worker; on PostgreSQL also the linker process), kill -9."""
    serve_model(engine, models_dir / "test-model")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "FEEDBACK_AI_DATABASE_URL": database_url,
        "FEEDBACK_AI_MODELS_DIR": str(models_dir),
        "FEEDBACK_AI_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "feedback_ai.main:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("the server did not become ready")
        children = _children(server.pid)
        assert children, "the server runs worker processes"
    except BaseException:
        server.kill()
        raise
    assert _kill_and_wait(server, children) == set()
