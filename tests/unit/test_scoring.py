"""predict_sets decides once whether to fork, and acts on that one answer."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from feedback_ai.ml.training import scoring
from feedback_ai.ml.training.dataset import Example


def test_fork_safety_is_asked_once_and_the_answer_is_kept(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A thread that ends between two asks would turn "unsafe" into "safe": the log would say
    # "in this process" while the pool forks anyway.
    answers = iter([False, True])
    asked: list[bool] = []

    def fork_is_safe() -> bool:
        asked.append(answer := next(answers))
        return answer

    def no_fork(*args: object, **kwargs: object) -> None:
        raise AssertionError("forked after deciding not to")

    def fake_predict(model: object, items: Sequence[object]) -> list[str]:
        return [f"{model}:{len(items)}"] * len(items)

    monkeypatch.setattr(scoring, "fork_is_safe", fork_is_safe)
    monkeypatch.setattr(scoring.multiprocessing, "get_context", no_fork)
    monkeypatch.setattr(scoring, "predict", fake_predict)
    sets = {"a": [Example("one"), Example("two")], "b": [Example("three")]}
    with caplog.at_level(logging.INFO, logger="feedback_ai.ml.training.scoring"):
        got = scoring.predict_sets({"m": "M"}, sets, n_jobs=2, min_items=1)  # type: ignore[dict-item]
    assert asked == [False]
    assert "in this process: other threads are running" in caplog.text
    assert got == {("m", "a"): ["M:2", "M:2"], ("m", "b"): ["M:1"]}


def test_a_small_job_does_not_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr(scoring, "fork_is_safe", lambda: asked.append(1) or True)
    monkeypatch.setattr(scoring, "predict", lambda model, items: [model] * len(items))
    got = scoring.predict_sets({"m": "M"}, {"a": [Example("x")]}, n_jobs=2, min_items=10)  # type: ignore[dict-item]
    assert got == {("m", "a"): ["M"]} and asked == []
