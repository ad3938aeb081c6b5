"""LocalEngine: a real process pool gives the in-process engine's answers, in order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from feedback_ai.batch.engine import InlineEngine
from feedback_ai.batch.errors import ScoringError
from feedback_ai.batch.local import LocalEngine
from feedback_ai.ml import FeedbackInput, FeedbackModel
from feedback_ai.ml.training.train import TrainResult
from tests.batch.conftest import same_predictions


@pytest.fixture(scope="module")
def local_engine(trained: TrainResult):
    """Two worker processes on the session model."""
    engine = LocalEngine(trained.path, workers=2, max_in_flight=3).start()
    yield engine
    engine.close()


def test_equals_inline_item_for_item(
    local_engine: LocalEngine, model: FeedbackModel, chunks: list[list[FeedbackInput]]
) -> None:
    expected = list(InlineEngine(model).imap(chunks))
    got = list(local_engine.imap(iter(chunks)))
    assert [len(c) for c in got] == [len(c) for c in chunks]
    for g, e in zip(got, expected, strict=True):
        same_predictions(g, e)
    assert {p.model_version for c in got for p in c} == {model.version}


def test_reads_ahead_only_a_bounded_number_of_chunks(
    local_engine: LocalEngine, items: list[FeedbackInput]
) -> None:
    taken = 0

    def endless():
        nonlocal taken
        while True:
            taken += 1
            yield items[:3]

    answers = local_engine.imap(endless())
    for _ in range(5):
        assert len(next(answers)) == 3
    answers.close()
    # Five answered, plus at most max_in_flight (3) submitted ahead.
    assert 5 <= taken <= 5 + local_engine.max_in_flight


def test_a_bad_chunk_names_itself_and_the_pool_goes_on(
    local_engine: LocalEngine, items: list[FeedbackInput]
) -> None:
    bad = [items[:2], [None], items[2:4]]  # type: ignore[list-item]
    answers = local_engine.imap(bad)
    assert len(next(answers)) == 2
    with pytest.raises(ScoringError, match="chunk 1 could not be scored"):
        next(answers)
    assert [len(c) for c in local_engine.imap([items[:4]])] == [4]


def test_a_killed_worker_is_a_clear_error_not_a_hang(trained: TrainResult, items) -> None:
    engine = LocalEngine(trained.path, workers=1).start()
    try:
        pid = engine.pids()[0]
        os.kill(pid, 9)
        with pytest.raises(ScoringError, match="died"):
            list(engine.imap([items[:5]] * 3))
    finally:
        engine.close()


def test_a_tampered_model_refuses_to_start(trained: TrainResult, tmp_path: Path) -> None:
    copy = shutil.copytree(trained.path, tmp_path / "model")
    with (copy / "model.joblib").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(ScoringError, match="could not load the model"):
        LocalEngine(copy, workers=1).start()


def test_the_factory_picks_the_engine(trained: TrainResult, model: FeedbackModel) -> None:
    from feedback_ai.batch.factory import make_engine

    assert isinstance(make_engine(model=model, model_path=trained.path, workers=0), InlineEngine)
    pool = make_engine(model=model, model_path=trained.path, workers=3)
    assert isinstance(pool, LocalEngine) and pool.workers == 3
    default = make_engine(model=model, model_path=trained.path)
    assert isinstance(default, LocalEngine) and default.workers == (os.cpu_count() or 1)
    assert default.model_version == model.version
