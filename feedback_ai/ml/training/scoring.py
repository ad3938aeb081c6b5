"""Predictions of several models on several sets, each made once, on both cores when it pays.

A retrain scores the champion and the challenger on the golden set and the held-out slice for the
gate, then reports the challenger's own metrics on the same sets: predicting each (model, set)
once and handing the predictions to both saves a third of that work. With 100,000 reviewed items
the held-out slice is 20,000 items, ~20 s of predict per model on one core, so large sets are cut
into chunks scored by forked worker processes (predict is Python-bound: threads would not help).
Forked workers share the parent's models copy-on-write; nothing is pickled but the predictions.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading

from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.predict import predict
from feedback_ai.ml.training.dataset import Example
from feedback_ai.ml.types import FeedbackInput, Prediction

log = logging.getLogger(__name__)

# Below this many items in all, forking workers costs more than it saves.
PARALLEL_MIN_ITEMS = 4_000
CHUNK = 1_000

# What forked workers read: set by the parent just before the pool forks.
_models: dict[str, FeedbackModel] = {}
_inputs: dict[str, list[FeedbackInput]] = {}


def _quiet_tokenizers() -> None:
    # The embeddings' tokenizer warns in each forked child that it turns its own threads off.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


def fork_is_safe() -> bool:
    """Whether this process may fork workers: only while it runs no other Python thread."""
    # fork() copies the calling thread alone: a lock that another thread holds at that instant
    # (the import lock, a logging handler's, a connection pool's) stays held forever in the
    # child. A retrain asked for over HTTP runs on a thread of the API server, beside its
    # request and watcher threads, so it scores in its own process instead.
    return threading.active_count() == 1


def _score(task: tuple[str, str, int, int]) -> tuple[str, str, int, list[Prediction]]:
    role, name, start, stop = task
    return role, name, start, predict(_models[role], _inputs[name][start:stop])


def predict_sets(
    models: dict[str, FeedbackModel],
    sets: dict[str, list[Example]],
    *,
    n_jobs: int = 1,
    min_items: int = PARALLEL_MIN_ITEMS,
    chunk: int = CHUNK,
) -> dict[tuple[str, str], list[Prediction]]:
    """Each model's predictions of each set, keyed by (model name, set name); forked workers
    score chunks of `chunk` items when there are `n_jobs` > 1 and `min_items` or more in all."""
    inputs = {
        name: [FeedbackInput(ex.text, ex.source) for ex in items] for name, items in sets.items()
    }
    total = sum(map(len, inputs.values())) * len(models)
    parallel = n_jobs > 1 and total >= min_items
    if parallel and not fork_is_safe():
        # Asked once: a thread starting between two asks would log one answer and act on another.
        log.info("scoring %d items in this process: other threads are running here", total)
        parallel = False
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        return {
            (role, name): predict(model, items)
            for role, model in models.items()
            for name, items in inputs.items()
        }
    _models.update(models)
    _inputs.update(inputs)
    tasks = [
        (role, name, start, start + chunk)
        for role in models
        for name, items in inputs.items()
        for start in range(0, len(items), chunk)
    ]
    parts: dict[tuple[str, str], dict[int, list[Prediction]]] = {}
    try:
        with multiprocessing.get_context("fork").Pool(
            n_jobs, initializer=_quiet_tokenizers
        ) as pool:
            for role, name, start, preds in pool.imap_unordered(_score, tasks):
                parts.setdefault((role, name), {})[start] = preds
    finally:
        _models.clear()
        _inputs.clear()
    out = {
        key: [p for start in sorted(chunks) for p in chunks[start]] for key, chunks in parts.items()
    }
    for role in models:  # an empty set has no chunks
        for name in inputs:
            out.setdefault((role, name), [])
    return out
