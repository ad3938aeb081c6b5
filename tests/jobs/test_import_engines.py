"""`feedback-ai import --workers N` and `--dask-scheduler ADDR` store what the in-process path does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from distributed import LocalCluster
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback, Prediction
from tests.jobs.helpers import write_tickets
from tests.jobs.test_import_cli import WAIT_S, _command, _env


def _stored(session: Session, prefix: str) -> dict[str, tuple]:
    """text -> (kind, kind scores, theme scores, model version) of the items with that id prefix."""
    session.expire_all()
    rows = session.execute(
        select(Feedback.text, Prediction.kind, Prediction.kind_scores, Prediction.theme_scores,
               Prediction.model_version)
        .join(Prediction, Prediction.feedback_id == Feedback.id)
        .where(Prediction.is_current, Feedback.external_id.like(f"{prefix}-%"))
    )  # fmt: skip
    return {r[0]: tuple(r[1:]) for r in rows}


def _import(path: Path, env: dict[str, str], *extra: str) -> str:
    done = subprocess.run(
        _command(path, *extra), env=env, capture_output=True, text=True, timeout=WAIT_S
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cluster():
    """A real Dask scheduler with one single-threaded worker process, no dashboard."""
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=40,
    ) as cluster:  # fmt: skip
        yield cluster


def test_local_workers_and_a_dask_cluster_store_what_the_in_process_path_stores(
    session: Session, database_url: str, models_dir: Path, tmp_path: Path, cluster: LocalCluster
) -> None:
    env = _env(database_url, models_dir)
    runs = {"inline": ("--workers", "0"), "pool": ("--workers", "1"), "dask": ("--dask-scheduler", cluster.scheduler_address)}  # fmt: skip
    for prefix, extra in runs.items():
        path = tmp_path / f"{prefix}.csv"
        expected = write_tickets(path, 40, prefix=prefix)
        summary = _import(path, env, *extra)
        assert f"imported {expected.imported:,}" in summary
    inline = _stored(session, "inline")
    assert len(inline) > 10
    assert _stored(session, "pool") == inline
    assert _stored(session, "dask") == inline
