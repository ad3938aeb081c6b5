"""A promotion reaches a running server without a restart and without a failed request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.inference import BatchingPredictor
from feedback_ai.ml import FeedbackInput, load_model
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.serving import registry
from feedback_ai.settings import Settings
from tests.factories import copy_model_as, feedback_payload, headers, make_key, serve_model

pytestmark = pytest.mark.slow
DEADLINE_S = 180  # a bound on waiting, not a timing assertion


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


@pytest.fixture
def swap_client(
    database_url: str,
    engine: Engine,
    session: Session,
    tmp_path: Path,
    trained: TrainResult,
    second_model: TrainResult,
) -> Iterator[TestClient]:
    """An app serving the session model (in a worker process), watching the champion pointer."""
    from feedback_ai.main import create_app

    serve_model(engine, trained.path)
    registry.register_model(session=session, path=second_model.path, actor="retrain")
    settings = Settings(
        database_url=database_url,
        models_dir=tmp_path / "models",
        model_watch_s=0.2,
        inference_process=True,
        db_busy_timeout_ms=10_000,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_promotion_under_load_fails_no_request(
    swap_client: TestClient, engine: Engine, trained: TrainResult, second_model: TrainResult
) -> None:
    ingest, admin = make_key(engine, "ingest"), make_key(engine, "admin")
    state = swap_client.app.state
    old_workers = [w.process for w in state.predictor._serving.pool]
    answers: list[tuple[int, str | None, bool]] = []  # status, model version, sent after the swap
    swapped, stop = threading.Event(), threading.Event()
    lock = threading.Lock()

    def send() -> None:
        while not stop.is_set():
            after = swapped.is_set()
            r = swap_client.post("/v1/feedback", json=feedback_payload(), headers=headers(ingest))
            version = r.json().get("prediction", {}).get("model_version") if r.is_success else None
            with lock:
                answers.append((r.status_code, version, after))

    senders = [threading.Thread(target=send) for _ in range(4)]
    for t in senders:
        t.start()
    try:
        _until(lambda: len(answers) >= 20, "20 answers before the promotion")
        r = swap_client.post(
            f"/v1/models/{second_model.version}/promote",
            json={"reason": "better on golden"},
            headers=headers(admin),
        )
        assert r.status_code == 200, r.text
        assert (r.json()["from_version"], r.json()["to_version"]) == (
            trained.version,
            second_model.version,
        )
        _until(lambda: state.model.version == second_model.version, "the swap")
        swapped.set()
        seen = len(answers)
        _until(lambda: len(answers) >= seen + 20, "20 answers after the swap")
    finally:
        stop.set()
        for t in senders:
            t.join(timeout=DEADLINE_S)
    assert {status for status, _, _ in answers} == {201}
    versions = {v for _, v, _ in answers}
    assert versions == {trained.version, second_model.version}
    assert {v for _, v, after in answers if after} == {second_model.version}
    assert not any(p.is_alive() for p in old_workers)  # the old model was dropped
    assert all(w.process.is_alive() for w in state.predictor._serving.pool)
    listed = swap_client.get("/v1/models", headers=headers(admin)).json()
    assert listed["champion"] == listed["serving"] == second_model.version


def test_a_model_that_fails_to_load_is_never_switched_to(
    swap_client: TestClient, engine: Engine, session: Session, trained: TrainResult, tmp_path: Path
) -> None:
    # Registered and consistent with its manifest, but its pickle is another model: load fails.
    broken = copy_model_as(trained.path, tmp_path / "broken", "broken")
    registry.register_model(session=session, path=broken, actor="t")
    admin, ingest = make_key(engine, "admin"), make_key(engine, "ingest")
    r = swap_client.post("/v1/models/broken/promote", headers=headers(admin))
    assert r.status_code == 200, r.text
    swapper = swap_client.app.state.swapper

    def listed() -> dict:
        return swap_client.get("/v1/models", headers=headers(admin)).json()

    _until(lambda: (listed()["serving_error"] or "").startswith("model broken"), "a failed swap")
    assert listed()["champion"] == "broken" and listed()["serving"] == trained.version
    r = swap_client.post("/v1/classify", json={"items": [{"text": "Add SSO"}]},
                         headers=headers(ingest))  # fmt: skip
    assert r.status_code == 200 and r.json()["model_version"] == trained.version
    # Not retried at every poll: the same unchanged artifact is given up on.
    assert swapper.gave_up_on(swap_client.app.state.watcher.champion())
    r = swap_client.post("/v1/models/rollback", headers=headers(admin))
    assert r.status_code == 200 and r.json()["to_version"] == trained.version
    _until(lambda: listed()["serving_error"] is None, "the rollback to reach the server")


class TestPredictorSwap:
    """BatchingPredictor.swap: the new copy loads beside the old, in every worker process."""

    def test_swap_in_worker_processes(self, model, trained, second_model) -> None:
        second = load_model(second_model.path)
        sha = registry.sha256_file(second_model.path / "model.joblib")
        predictor = BatchingPredictor(model, model_path=trained.path, workers=2).start()
        try:
            item = [FeedbackInput("Please add dark mode")]
            with pytest.raises(RuntimeError, match="registry"):  # a wrong sha256: no switch
                predictor.swap(second, model_path=second_model.path, sha256="0" * 64)
            assert predictor(item)[0].model_version == trained.version
            old = [w.process for w in predictor._serving.pool]
            predictor.swap(second, model_path=second_model.path, sha256=sha)
            assert predictor(item)[0].model_version == second_model.version
            assert predictor.model is second and len(predictor._serving.pool) == 2
            assert not any(p.is_alive() for p in old)
        finally:
            predictor.close()

    def test_swap_in_process(self, model, second_model) -> None:
        predictor = BatchingPredictor(model).start()
        try:
            predictor.swap(load_model(second_model.path))
            out = predictor([FeedbackInput("The export crashes")])
            assert out[0].model_version == second_model.version
        finally:
            predictor.close()
