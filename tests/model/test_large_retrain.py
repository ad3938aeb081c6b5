"""The large-data path of training (heads/solvers.py) and the gate's shared predictions.

A retrain on more than FitConfig.large_above items fits capped LinearSVC heads on both cores, with vocabularies
from a sample. The threshold is set below the seed's size here so the path runs in seconds; the
seed-sized default (threshold 20,000) must keep taking the exact liblinear path.
"""

from __future__ import annotations

import logging
import threading

import pytest
from sklearn.svm import LinearSVC

from feedback_ai.ml import FeedbackInput, FeedbackModel, load_model, predict
from feedback_ai.ml.heads.solvers import PASSES
from feedback_ai.ml.training.dataset import load_golden
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.retrain import RetrainResult, retrain
from feedback_ai.ml.training.scoring import fork_is_safe, predict_sets
from feedback_ai.ml.training.train import TrainResult
from tests.model.retrain_texts import NEW_THEME, NEW_THEME_LABELLED, NEW_THEME_UNSEEN, decision

pytestmark = pytest.mark.slow

# Far below the seed's ~2,500 items: every head takes the large-data path.
LARGE = FitConfig(large_above=500, vocabulary_sample=1_500)


def _heads(model: FeedbackModel) -> list[object]:
    detector = model.requirement_detector
    assert model.kind_head is not None and model.theme_head is not None and detector is not None
    return [
        model.kind_head.svc_,
        *model.theme_head.ovr_.estimators_,
        detector.head_.svc_,
    ]


@pytest.fixture(scope="module")
def large(trained: TrainResult, tmp_path_factory: pytest.TempPathFactory) -> RetrainResult:
    decisions = [
        decision(f"esg-{i}", "new_theme", NEW_THEME, text, "survey")
        for i, text in enumerate(NEW_THEME_LABELLED)
    ]
    return retrain(
        models_dir=tmp_path_factory.mktemp("large"),
        decisions=decisions,
        champion_path=trained.path,
        config=LARGE,
        force=True,
        version="large",
    )


def test_the_seed_sized_model_takes_the_exact_path(model: FeedbackModel) -> None:
    assert all(isinstance(est, LinearSVC) and est.max_iter == 1000 for est in _heads(model))


def test_above_the_threshold_a_retrain_fits_capped_heads_that_work(large: RetrainResult) -> None:
    challenger = load_model(large.path)
    assert all(isinstance(est, LinearSVC) and est.max_iter == PASSES for est in _heads(challenger))
    golden = large.metrics["golden"]
    # Measured on the seed (2026-11-29): kind macro-F1 0.84, theme micro-F1 0.64, requirement
    # sentence F1 0.79, against the exact path's 0.86 / 0.72 / 0.81. LinearSVC capped at PASSES
    # passes, on vocabularies from a sample, needs more data than the seed to match the exact
    # path; that is why the threshold is 20,000 items.
    assert golden["kind"]["macro_f1"] >= 0.75
    assert golden["themes"]["micro_f1"] >= 0.55
    assert golden["requirements"]["sentence_f1"] >= 0.7
    items = [
        FeedbackInput("The app crashes every time I open a PDF attachment.", "app_review"),
        FeedbackInput("Please add a dark mode to the dashboard.", "survey"),
    ]
    bug, ask = predict(challenger, items)
    assert (bug.kind, ask.kind) == ("bug", "feature_request")
    assert ask.candidates, "the ask is a candidate requirement"
    unseen = predict(challenger, [FeedbackInput(t, "survey") for t in NEW_THEME_UNSEEN])
    assert sum(NEW_THEME["id"] in [t.label for t in p.themes] for p in unseen) >= 3


def test_forked_workers_predict_what_the_process_itself_predicts(model: FeedbackModel) -> None:
    golden = load_golden()[:90]
    sets = {"a": golden[:50], "b": golden[50:], "empty": []}
    forked = predict_sets({"m": model}, sets, n_jobs=2, min_items=1, chunk=20)
    for name, items in sets.items():
        own = predict(model, [FeedbackInput(ex.text, ex.source) for ex in items])
        got = forked["m", name]
        assert [(p.kind, p.kind_scores, p.themes, p.candidates) for p in got] == [
            (p.kind, p.kind_scores, p.themes, p.candidates) for p in own
        ]


def test_a_process_running_other_threads_scores_without_forking(
    model: FeedbackModel, caplog: pytest.LogCaptureFixture
) -> None:
    # A retrain asked for over HTTP runs on a thread of the API server: forking there could
    # leave a child waiting forever on a lock another thread held at the fork.
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert not fork_is_safe()
        golden = load_golden()[:30]
        with caplog.at_level(logging.INFO, logger="feedback_ai.ml.training.scoring"):
            got = predict_sets({"m": model}, {"a": golden}, n_jobs=2, min_items=1, chunk=10)
    finally:
        release.set()
        other.join()
    assert "in this process: other threads are running" in caplog.text
    own = predict(model, [FeedbackInput(ex.text, ex.source) for ex in golden])
    assert [(p.kind, p.themes) for p in got["m", "a"]] == [(p.kind, p.themes) for p in own]
