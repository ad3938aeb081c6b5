"""Retrain jobs on the real database: one at a time, cancel keeps the champion, a dead one fails.

Training a real challenger takes minutes here, so these jobs train with `QuickTrainer`: it builds
the real dataset snapshot and hands back the pre-trained second model as the challenger, with
the gate's verdict the test asks for. Everything else (lease, registry, promotion) is real.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_ai.db import make_sessionmaker, utcnow
from feedback_ai.jobs import service
from feedback_ai.jobs.models import ImportJob
from feedback_ai.ml.training.retrain import RetrainResult
from feedback_ai.ml.training.snapshot import build_snapshot
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.serving import champion, registry
from feedback_ai.serving.models import ModelRecord
from feedback_ai.serving.retrain_job import RetrainRunning, queue_retrain
from feedback_ai.serving.retrain_runner import RetrainRunner
from tests.factories import serve_model

DEADLINE_S = 120  # a bound on waiting, not a timing assertion
OPTIONS = {"min_new_decisions": 0, "tolerance": 0.02, "force": False}


def until(condition: Callable[[], object], what: str) -> None:
    """Wait for `condition`, failing after a generous deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


class QuickTrainer:
    """Stands in for ml.training.retrain: the real snapshot, a pre-trained challenger, a verdict.

    `hold` keeps it "training" until released, so a test can cancel or stop meanwhile.
    """

    def __init__(self, second: TrainResult, *, passed: bool = True) -> None:
        self.second = second
        self.passed = passed
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.calls: list[dict[str, Any]] = []

    def hold(self) -> QuickTrainer:
        self.release.clear()
        return self

    def __call__(self, *, models_dir: Path, decisions: list, champion_path: Path | None,
                 tolerance: float, force: bool, config: object) -> RetrainResult:  # fmt: skip
        self.calls.append({"decisions": len(decisions), "champion_path": champion_path})
        self.started.set()
        assert self.release.wait(DEADLINE_S)
        snapshot = build_snapshot(decisions=decisions)
        path = Path(models_dir) / self.second.version
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(self.second.path, path)
        challenger = 0.91 if self.passed else 0.52
        metrics = {"kind_macro_f1": {"champion": 0.88, "challenger": challenger,
                                     "delta": round(challenger - 0.88, 4),
                                     "ok": self.passed}}  # fmt: skip
        reasons = [] if self.passed else [f"kind_macro_f1 {challenger} is below the champion's "
                                          f"0.88 by more than {tolerance}"]  # fmt: skip
        comparison = {"promote": self.passed or force, "passed": self.passed,
                      "forced": force and not self.passed, "metrics": metrics, "reasons": reasons}  # fmt: skip
        return RetrainResult(
            version=self.second.version, path=path, snapshot_sha256=snapshot.sha256,
            promote=self.passed or force, comparison=comparison, metrics={},
        )  # fmt: skip


@pytest.fixture
def champion_served(session: Session, engine: Engine, trained: TrainResult) -> str:
    """The session model as the champion, on emptied tables."""
    serve_model(engine, trained.path)
    return trained.version


def _runner(engine: Engine, tmp_path: Path, trainer: QuickTrainer) -> RetrainRunner:
    return RetrainRunner(make_sessionmaker(engine), models_dir=tmp_path, trainer=trainer)


def _job(session: Session, job_id: str) -> ImportJob:
    session.expire_all()
    job = session.get(ImportJob, job_id)
    assert job is not None
    return job


def test_the_database_admits_one_retrain_queued_or_running(
    engine: Engine, session: Session, champion_served: str
) -> None:
    first = queue_retrain(session=session, options=OPTIONS)
    with make_sessionmaker(engine)() as other:  # another server
        with pytest.raises(RetrainRunning) as raised:
            queue_retrain(session=other, options=OPTIONS)
        assert raised.value.job_id == first.id
        # The index holds even for a writer that skips the service's check.
        other.add(ImportJob(kind="retrain", file_path="", file_name="", file_sha256="",
                            fingerprint="retrain", options={}, status="running"))  # fmt: skip
        with pytest.raises(IntegrityError):
            other.commit()
        other.rollback()
    service.cancel_job(session=session, job_id=first.id)
    again = queue_retrain(session=session, options=OPTIONS)
    assert again.id != first.id and again.status == "queued"


def test_refused_challenger_is_kept_and_the_champion_stays(
    engine: Engine, session: Session, champion_served: str, second_model: TrainResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    trainer = QuickTrainer(second_model, passed=False)
    job = queue_retrain(session=session, options=OPTIONS)
    assert _runner(engine, tmp_path, trainer).run_once() == job.id
    done = _job(session, job.id)
    assert (done.status, done.stage, done.lease_owner) == ("succeeded", "done", None)
    result = done.result or {}
    assert result["outcome"] == "refused" and "kind_macro_f1" in result["reasons"][0]
    assert result["gate"]["kind_macro_f1"] == {
        "champion": 0.88,
        "challenger": 0.52,
        "delta": -0.36,
        "ok": False,
    }
    assert result["previous_champion"] == champion_served and len(result["snapshot_sha256"]) == 64
    record = registry.get_record(session=session, version=second_model.version)
    assert record.status == "refused" and "kind_macro_f1" in (record.reason or "")
    assert champion.champion_version(session=session) == champion_served


def test_too_few_new_decisions_skip_without_training(
    engine: Engine, session: Session, champion_served: str, second_model: TrainResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    trainer = QuickTrainer(second_model)
    job = queue_retrain(session=session, options={**OPTIONS, "min_new_decisions": 5})
    _runner(engine, tmp_path, trainer).run_once()
    done = _job(session, job.id)
    assert done.status == "succeeded" and (done.result or {})["outcome"] == "skipped"
    assert (done.result or {})["new_decisions"] == 0
    assert "waiting for 5" in (done.result or {})["reasons"][0]
    assert trainer.calls == [] and list(tmp_path.iterdir()) == []


def test_cancel_during_training_keeps_the_champion_and_drops_the_challenger(
    engine: Engine, session: Session, champion_served: str, second_model: TrainResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    trainer = QuickTrainer(second_model).hold()
    job = queue_retrain(session=session, options={**OPTIONS, "force": True})
    runner = _runner(engine, tmp_path, trainer)
    worker = threading.Thread(target=runner.run_once)
    worker.start()
    try:
        assert trainer.started.wait(DEADLINE_S)
        assert _job(session, job.id).stage == "training"
        cancelled = service.cancel_job(session=session, job_id=job.id)
        assert cancelled.status == "cancelled"
    finally:
        trainer.release.set()
        worker.join(DEADLINE_S)
    done = _job(session, job.id)
    assert done.status == "cancelled" and done.result is None
    assert champion.champion_version(session=session) == champion_served
    assert session.get(ModelRecord, second_model.version) is None  # never registered
    assert not (tmp_path / second_model.version).exists()
    with pytest.raises(service.JobFinished):
        service.cancel_job(session=session, job_id=job.id)


def test_a_retrain_whose_process_died_is_marked_failed_not_left_running(
    engine: Engine, session: Session, champion_served: str, second_model: TrainResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    job = queue_retrain(session=session, options=OPTIONS)
    # What a crashed server leaves: running, mid-training, under a lease nobody renews.
    job.status, job.stage, job.lease_owner = "running", "training", "gone-host:1:dead"
    job.lease_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    trainer = QuickTrainer(second_model)
    assert _runner(engine, tmp_path, trainer).run_once() is None  # nothing queued to run
    failed = _job(session, job.id)
    assert failed.status == "failed" and failed.finished_at is not None
    assert "interrupted" in (failed.error or "") and "'training'" in (failed.error or "")
    assert trainer.calls == []
    again = queue_retrain(session=session, options=OPTIONS)  # the slot is free again
    assert _runner(engine, tmp_path, trainer).run_once() == again.id
    assert _job(session, again.id).status == "succeeded"
    assert champion.champion_version(session=session) == second_model.version


def test_stopping_the_server_during_training_fails_the_job(
    engine: Engine, session: Session, champion_served: str, second_model: TrainResult,
    tmp_path: Path,
) -> None:  # fmt: skip
    trainer = QuickTrainer(second_model).hold()
    job = queue_retrain(session=session, options=OPTIONS)
    runner = _runner(engine, tmp_path, trainer).start()
    thread = runner._thread
    assert thread is not None
    try:
        assert trainer.started.wait(DEADLINE_S)
        runner.stop(timeout_s=0.5)  # the training does not end: the job is failed, not left
    finally:
        trainer.release.set()
    failed = _job(session, job.id)
    assert failed.status == "failed" and "stopped during training" in (failed.error or "")
    thread.join(DEADLINE_S)  # the training ended after the stop: its challenger is discarded
    assert not thread.is_alive() and not (tmp_path / second_model.version).exists()
    assert champion.champion_version(session=session) == champion_served
