"""POST /v1/models/retrain: admins only, one at a time, followed and cancelled through /v1/jobs.

The shared app works no jobs (run_jobs=False), so a queued retrain stays queued there; the live
app below works them on its runner thread and watches the champion pointer, as a server does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.ml.training.train import TrainResult
from feedback_ai.serving import champion
from feedback_ai.settings import Settings
from tests.conftest import clear_tables
from tests.factories import feedback_payload, headers, make_key, serve_model
from tests.serving.test_retrain_job import QuickTrainer, until

RETRAIN = "/v1/models/retrain"


def test_only_admins_retrain_and_a_second_request_gets_409(
    client: TestClient, admin_key: str, ingest_key: str, reviewer_key: str
) -> None:
    assert client.post(RETRAIN).status_code == 401
    for key in (ingest_key, reviewer_key):
        assert client.post(RETRAIN, headers=headers(key)).status_code == 403
    bad = client.post(RETRAIN, json={"tolerance": 2}, headers=headers(admin_key))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tolerance"
    options = {"min_new_decisions": 3, "tolerance": 0.05, "force": True}
    r = client.post(RETRAIN, json=options, headers=headers(admin_key))
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    job = client.get(f"/v1/jobs/{job_id}", headers=headers(admin_key)).json()
    assert (job["kind"], job["status"], job["stage"]) == ("retrain", "queued", "queued")
    assert job["summary"]["options"] == options and job["summary"]["outcome"] is None
    busy = client.post(RETRAIN, headers=headers(admin_key))
    assert busy.status_code == 409, busy.text
    assert busy.json()["code"] == "retrain_running"
    assert busy.json()["current"] == {"job_id": job_id}
    cancelled = client.post(f"/v1/jobs/{job_id}/cancel", headers=headers(admin_key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=headers(admin_key)).status_code == 409
    assert client.post(RETRAIN, headers=headers(admin_key)).status_code == 202


@pytest.fixture(scope="module")
def live(
    database_url: str, engine: Engine, trained: TrainResult,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:  # fmt: skip
    """A server that works retrain jobs and follows the champion pointer."""
    from feedback_ai.main import create_app

    clear_tables(engine)
    serve_model(engine, trained.path)
    settings = Settings(
        database_url=database_url, models_dir=tmp_path_factory.mktemp("live-models"),
        model_watch_s=0.2, job_poll_s=0.2, run_jobs=True, review_sync_interval_s=0,
        inference_process=False,  # in-process model: a quicker start; the swap is the same
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield client
    clear_tables(engine)


def _retrain(live: TestClient, admin: str, trainer: QuickTrainer, **options: object) -> str:
    live.app.state.retrain_runner.trainer = trainer  # type: ignore[attr-defined]
    r = live.post(RETRAIN, json=options, headers=headers(admin))
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


def _job(live: TestClient, admin: str, job_id: str) -> dict:
    r = live.get(f"/v1/jobs/{job_id}", headers=headers(admin))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_cancel_while_training_leaves_the_champion_serving(
    live: TestClient, engine: Engine, session: Session, trained: TrainResult,
    second_model: TrainResult,
) -> None:  # fmt: skip
    serve_model(engine, trained.path)
    admin = make_key(engine, "admin")
    trainer = QuickTrainer(second_model).hold()
    job_id = _retrain(live, admin, trainer, force=True)
    try:
        assert trainer.started.wait(120)
        running = _job(live, admin, job_id)
        assert (running["status"], running["stage"]) == ("running", "training")
        r = live.post(f"/v1/jobs/{job_id}/cancel", headers=headers(admin))
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
    finally:
        trainer.release.set()
    # The runner takes the next retrain once the cancelled one is wound up: this one, skipped.
    skipped = _retrain(live, admin, trainer, min_new_decisions=1_000)
    until(lambda: _job(live, admin, skipped)["status"] == "succeeded", "the skipped retrain")
    assert _job(live, admin, skipped)["summary"]["outcome"] == "skipped"
    assert _job(live, admin, job_id)["status"] == "cancelled"
    models_dir = Path(live.app.state.settings.models_dir)  # type: ignore[attr-defined]
    assert not (models_dir / second_model.version).exists()  # the challenger was discarded
    assert champion.champion_version(session=session) == trained.version
    models = live.get("/v1/models", headers=headers(admin)).json()
    assert models["serving"] == trained.version
    assert second_model.version not in {m["version"] for m in models["items"]}


def test_a_promoted_challenger_is_served_without_a_restart(
    live: TestClient, engine: Engine, session: Session, trained: TrainResult,
    second_model: TrainResult,
) -> None:  # fmt: skip
    serve_model(engine, trained.path)
    admin, ingest = make_key(engine, "admin"), make_key(engine, "ingest")
    until(lambda: live.app.state.model.version == trained.version, "the session model served")  # type: ignore[attr-defined]
    job_id = _retrain(live, admin, QuickTrainer(second_model), tolerance=0.05)
    until(lambda: _job(live, admin, job_id)["status"] in ("succeeded", "failed"), "the retrain")
    job = _job(live, admin, job_id)
    assert (job["status"], job["stage"], job["progress"], job["error"]) == (
        "succeeded", "done", 1.0, None,
    )  # fmt: skip
    summary = job["summary"]
    assert summary["outcome"] == "promoted" and summary["reasons"] == []
    assert summary["version"] == second_model.version
    assert summary["previous_champion"] == trained.version
    assert len(summary["snapshot_sha256"]) == 64 and summary["decisions"] == 0
    assert summary["gate"]["kind_macro_f1"]["champion"] == 0.88
    assert summary["gate"]["kind_macro_f1"]["challenger"] == 0.91
    assert summary["options"] == {"min_new_decisions": 0, "tolerance": 0.05, "force": False}
    assert champion.champion_version(session=session) == second_model.version
    until(
        lambda: (
            live.get("/v1/models", headers=headers(admin)).json()["serving"] == second_model.version
        ),
        "the server to switch to the new champion",
    )
    r = live.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest))
    assert r.status_code == 201 and r.json()["prediction"]["model_version"] == second_model.version
    history = live.get("/v1/models", headers=headers(admin)).json()["history"]
    assert history[0]["to_version"] == second_model.version
    assert history[0]["reason"] == f"retrain job {job_id}"
    assert history[0]["actor"] == "key:admin"
