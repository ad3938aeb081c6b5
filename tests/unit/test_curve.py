"""The learning-curve simulation and the notebook's SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import scipy.sparse as sp

from feedback_ai.ml.training import plots
from feedback_ai.ml.training.active import PER_THEME, spread_by_theme
from feedback_ai.ml.training.curve import (
    CurvePoint,
    Scorer,
    labels_to_reach,
    mean_curve,
    simulate,
)


def _blobs(n_per_class: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Four overlapping classes in 20 dimensions: learnable, but not from five items each."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, size=(4, 20))
    X = np.vstack([c + rng.normal(0, 1.6, size=(n_per_class, 20)) for c in centres])
    y = np.repeat(np.array(["a", "b", "c", "d"]), n_per_class)
    return sp.csr_matrix(X), y


@pytest.fixture(scope="module")
def data():
    X, y = _blobs(80, seed=1)
    T, t = _blobs(40, seed=1)
    return X, y, T, t


@pytest.mark.parametrize("order", ["queue", "margin", "diverse", "random"])
def test_each_batch_adds_its_labels_and_the_run_is_reproducible(data, order) -> None:
    X, y, T, t = data
    run = simulate(X, y, T, t, order=order, head="fast", batch=30, n_batches=4, seed=2)
    assert [p.n_labels for p in run] == [20, 50, 80, 110, 140]
    assert all(0.0 <= p.macro_f1 <= 1.0 for p in run)
    assert run[-1].macro_f1 > run[0].macro_f1  # more labels, a better model
    assert run == simulate(X, y, T, t, order=order, head="fast", batch=30, n_batches=4, seed=2)


def test_a_queue_gone_dry_leaves_the_pm_labelling_in_arrival_order(data) -> None:
    X, y, T, t = data
    # No item is ever that unsure: the queue holds nothing and every label comes from arrival order.
    dry = simulate(X, y, T, t, order="queue", head="fast", batch=30, n_batches=3, seed=2,
                   uncertainty_min=1.01)  # fmt: skip
    random = simulate(X, y, T, t, order="random", head="fast", batch=30, n_batches=3, seed=2)
    assert [(p.n_labels, p.macro_f1) for p in dry] == [(p.n_labels, p.macro_f1) for p in random]
    assert [p.outside_queue for p in dry] == [0, 30, 60, 90]
    full = simulate(X, y, T, t, order="queue", head="fast", batch=30, n_batches=3, seed=2)
    assert all(p.outside_queue == 0 for p in full)


def test_the_diverse_order_spreads_a_batch_over_predicted_themes(data) -> None:
    X, y, _, _ = data
    scorer = Scorer("fast", X[::4], y[::4], ["a", "b", "c", "d"])
    rest = X[1::4]
    keys = scorer.keys(rest, "queue")
    spread = spread_by_theme(keys.tolist(), scorer.predict(rest), per_theme=PER_THEME)
    first = np.argsort(-np.array(spread), kind="stable")[: 4 * PER_THEME]
    _, counts = np.unique(np.array(scorer.predict(rest))[first], return_counts=True)
    assert counts.max() <= PER_THEME


def test_the_kind_head_orders_by_the_margin_between_its_two_best_scores(data) -> None:
    X, y, _, _ = data
    scorer = Scorer("kind", X[::2], y[::2], ["a", "b", "c", "d"])
    proba = scorer.proba(X)
    keys = scorer.keys(X, "queue")
    top2 = np.sort(proba, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    # The most uncertain item by the queue's key has a smaller margin than the most certain one.
    assert margin[np.argmax(keys)] < margin[np.argmin(keys)]


def test_labels_to_reach_interpolates_and_says_when_never() -> None:
    curve = [CurvePoint(10, 0.5), CurvePoint(20, 0.7), CurvePoint(30, 0.8)]
    assert labels_to_reach(curve, 0.6) == pytest.approx(15.0)
    assert labels_to_reach(curve, 0.4) == 10.0
    assert labels_to_reach(curve, 0.9) is None
    mean = mean_curve([curve, [CurvePoint(10, 0.7), CurvePoint(20, 0.9), CurvePoint(30, 1.0)]])
    assert [p.macro_f1 for p in mean] == [0.6, 0.8, 0.9]


def test_charts_are_well_formed_svg_with_labels_escaped() -> None:
    charts = [
        plots.heatmap(np.array([[3, 1], [0, 4]]), ["<b>", "x"], ["<b>", "x"], "cm & co"),
        plots.bars({"<script>alert(1)</script>": 0.5, "ok": 0.9}, "bars"),
        plots.lines({"a": [(0, 0.1), (1, 0.9)], "b": [(0, 0.2)]}, "t", x_label="x", y_label="y"),
        plots.lines(
            {"cal": [(0.1, 0.2), (0.9, 0.8)]}, "t", x_label="x", y_label="y", diagonal=True
        ),
    ]
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        assert "<script>" not in svg and "<b>" not in svg


def test_reliability_of_a_calibrated_and_an_overconfident_model() -> None:
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0, 1, 20_000)
    calibrated = rng.uniform(0, 1, 20_000) < confidence
    assert plots.reliability(confidence, calibrated)["ece"] < 0.02
    overconfident = rng.uniform(0, 1, 20_000) < confidence / 2
    assert plots.reliability(confidence, overconfident)["ece"] > 0.2
