"""`feedback-ai import` as a real process: killed with SIGKILL midway, then run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.jobs.models import ImportJob
from feedback_ai.requirements.service import unlinked_feedback_ids
from tests.jobs.helpers import Expected, assert_job_counts, write_tickets

ROOT = Path(__file__).parents[2]
FLAGS = ["--text-column", "subject", "--text-column", "body", "--id-column", "id",
         "--date-column", "date", "--account-column", "account", "--source", "support_ticket"]  # fmt: skip
WAIT_S = 600


def _command(path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "feedback_ai.cli.main", "import", str(path), *FLAGS, *extra]


def _env(database_url: str, models_dir: Path) -> dict[str, str]:
    return os.environ | {
        "FEEDBACK_AI_DATABASE_URL": database_url,
        "FEEDBACK_AI_MODELS_DIR": str(models_dir),
        "PYTHONPATH": str(ROOT),
    }


def _checkpoint(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.coalesce(func.max(ImportJob.checkpoint), 0))) or 0


def test_kill_9_midway_then_rerun_ends_with_exact_counts(
    session: Session, engine: Engine, database_url: str, models_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 2_000)
    env = _env(database_url, models_dir)
    proc = subprocess.Popen(
        _command(path, "--batch-size", "10"), env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + WAIT_S
    try:
        while _checkpoint(session) == 0:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "the import never committed a chunk"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    killed_at = _checkpoint(session)
    assert 0 < killed_at < expected.read, "killed midway"
    job = session.scalars(select(ImportJob)).one()
    assert job.status == "running"  # what a crash leaves behind

    rerun = subprocess.run(
        _command(path, "--batch-size", "200"), env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=WAIT_S,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"import job {job.id} (resuming from row" in rerun.stderr
    assert_job_counts(session, job, expected)
    summary = (
        f"read {expected.read:,}, imported {expected.imported:,}, "
        f"duplicates {expected.duplicates:,}, quarantined {expected.quarantined:,}"
    )
    assert summary in rerun.stdout
    # Nothing left unlinked: the rerun linked what the killed run had committed.
    assert unlinked_feedback_ids(session=session) == []

    third = subprocess.run(
        _command(path), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=WAIT_S
    )
    assert third.returncode == 0, third.stdout + third.stderr
    again = Expected(expected.read, 0, expected.imported + expected.duplicates,
                     expected.quarantined)  # fmt: skip
    assert f"imported 0, duplicates {again.duplicates:,}" in third.stdout
    assert session.scalar(select(func.count()).select_from(Feedback)) == expected.imported


def test_quarantine_lists_and_exports_the_bad_rows(
    session: Session, engine: Engine, database_url: str, models_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 60)
    env = _env(database_url, models_dir)
    done = subprocess.run(_command(path), env=env, capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    job = session.scalars(select(ImportJob)).one()
    export = tmp_path / "bad.csv"
    base = [sys.executable, "-m", "feedback_ai.cli.main", "import", "quarantine"]
    out = subprocess.run(
        [*base, "--job", job.id, "--export", str(export)], env=env, capture_output=True,
        text=True, timeout=WAIT_S,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = export.read_text().splitlines()
    assert lines[0] == "job_id,file,row_number,reason,message,raw"
    assert len([line for line in lines[1:] if line.startswith(job.id)]) == expected.quarantined
    listed = subprocess.run(base, env=env, capture_output=True, text=True, timeout=WAIT_S)
    assert "[missing_text]" in listed.stdout and "[bad_date]" in listed.stdout
    unknown = subprocess.run([*base, "--job", "nope"], env=env, capture_output=True, text=True)
    assert unknown.returncode == 1 and "no job with id" in unknown.stderr
