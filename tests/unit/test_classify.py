"""Classification heads: out-of-fold kind biases; single- and multi-label theme choice."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from feedback_ai.errors import DataError
from feedback_ai.ml.heads.classify import (
    MultiLabelHead,
    SingleLabelHead,
    choose_scope_threshold,
    macro_f1_biases,
)


def _macro_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    scores = []
    for k in np.unique(truth):
        tp = np.sum((pred == k) & (truth == k))
        scores.append(2 * tp / (np.sum(pred == k) + np.sum(truth == k)))
    return float(np.mean(scores))


def test_biases_recover_a_small_class_the_argmax_misses() -> None:
    # Class 2 is always the runner-up by a small margin: argmax never predicts it.
    truth = np.array([0] * 40 + [1] * 40 + [2] * 10)
    log_proba = np.full((90, 3), np.log(0.1))
    log_proba[:40, 0] = np.log(0.8)
    log_proba[40:80, 1] = np.log(0.8)
    log_proba[80:, 0] = np.log(0.5)
    log_proba[80:, 2] = np.log(0.4)
    bias = macro_f1_biases(log_proba, truth)
    before = _macro_f1(np.argmax(log_proba, axis=1), truth)
    after = _macro_f1(np.argmax(log_proba + bias, axis=1), truth)
    assert before < 0.75
    assert after == 1.0
    assert bias[2] > bias[0]


def test_biases_stay_zero_when_the_argmax_is_already_perfect() -> None:
    truth = np.array([0, 1, 2] * 10)
    log_proba = np.log(np.eye(3)[truth] * 0.7 + 0.1)
    assert not macro_f1_biases(log_proba, truth).any()


def _blobs(n_per: list[int], seed: int = 0) -> tuple[sp.csr_matrix, list[str]]:
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for k, n in enumerate(n_per):
        centre = np.zeros(6)
        centre[k] = 1.0
        rows.append(centre + rng.normal(0, 0.6, size=(n, 6)))
        labels += [f"c{k}"] * n
    return sp.csr_matrix(np.vstack(rows)), labels


def test_gain_check_rejects_biases_that_only_fit_noise() -> None:
    rng = np.random.default_rng(5)
    log_proba = np.log(rng.dirichlet(np.ones(3), size=120))
    truth = rng.integers(0, 3, 120)
    assert macro_f1_biases(log_proba, truth).any()  # in-sample, noise always "helps"
    assert SingleLabelHead()._bias_gain(log_proba, truth) < 0


def test_gain_check_accepts_biases_that_generalise() -> None:
    rng = np.random.default_rng(0)
    truth = np.array([0] * 60 + [1] * 60 + [2] * 15)
    proba = np.full((135, 3), 0.1)
    proba[np.arange(135), truth] = 0.8
    proba[120:, 0], proba[120:, 2] = 0.5, 0.4  # the small class always loses to class 0
    log_proba = np.log(proba) + rng.normal(0, 0.01, proba.shape)
    assert SingleLabelHead()._bias_gain(log_proba, truth) > 0.1


@pytest.mark.parametrize(("gain", "kept"), [(-1.0, False), (1.0, True)])
def test_head_keeps_biases_only_when_the_gain_check_passes(monkeypatch, gain, kept) -> None:
    monkeypatch.setattr(SingleLabelHead, "_bias_gain", lambda self, lp, t: gain)
    X, y = _blobs([60, 60, 12])
    head = SingleLabelHead(random_state=0).fit(X, y)
    assert head.bias_.any() == kept


def test_head_shifts_probabilities_by_its_biases_and_keeps_rows_normalised() -> None:
    X, y = _blobs([60, 60, 12])
    head = SingleLabelHead(random_state=0).fit(X, y)
    plain = SingleLabelHead(bias_shrink=0.0, random_state=0).fit(X, y)
    assert head.bias_.shape == (3,)
    assert head.bias_.any()
    assert not plain.bias_.any()
    proba = head.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    expected = plain.predict_proba(X) * np.exp(head.bias_)
    np.testing.assert_allclose(proba, expected / expected.sum(axis=1, keepdims=True), rtol=1e-9)
    np.testing.assert_allclose(head.oof_proba_.sum(axis=1), 1.0, rtol=1e-9)


def test_uniform_prior_divides_out_the_label_frequencies() -> None:
    # Class c0 is five times as frequent as c1 and c2: a uniform prior lowers it by log(5) against
    # them, in predictions and in the out-of-fold probabilities that later heads read.
    X, y = _blobs([150, 30, 30])
    plain = SingleLabelHead(bias_shrink=0.0, random_state=0).fit(X, y)
    # The macro-F1 biases would be chosen on the same skewed mix: a uniform prior replaces them.
    flat = SingleLabelHead(uniform_prior=True, random_state=0).fit(X, y)
    np.testing.assert_allclose(flat.bias_[1] - flat.bias_[0], np.log(5), rtol=1e-9)
    np.testing.assert_allclose(flat.bias_[1], flat.bias_[2], rtol=1e-9)
    expected = plain.predict_proba(X) * np.exp(flat.bias_)
    proba = flat.predict_proba(X)
    np.testing.assert_allclose(proba, expected / expected.sum(axis=1, keepdims=True), rtol=1e-9)
    assert flat.oof_proba_[:, 0].mean() < plain.oof_proba_[:, 0].mean()
    np.testing.assert_allclose(flat.oof_proba_.sum(axis=1), 1.0, rtol=1e-9)


def test_binary_heads_keep_plain_probabilities() -> None:
    X, y = _blobs([50, 20])
    head = SingleLabelHead(random_state=0).fit(X, y)
    assert not head.bias_.any()
    plain = SingleLabelHead(bias_shrink=0.0, random_state=0).fit(X, y)
    np.testing.assert_allclose(head.predict_proba(X), plain.predict_proba(X))


def _indicator(labels: list[str], classes: list[str]) -> np.ndarray:
    return np.array([[int(lab == c) for c in classes] for lab in labels], dtype=np.int64)


def test_single_label_head_gives_exactly_the_top_theme() -> None:
    X, labels = _blobs([30, 30, 30])
    classes = ["c0", "c1", "c2"]
    head = MultiLabelHead().fit(X, _indicator(labels, classes), labels=classes, single_label=True)
    assert head.mode == "single" and head.scope_threshold_ == 0.0
    proba = head.predict_proba(X)
    chosen = head.choose(proba)
    assert all(len(c) == 1 for c in chosen)
    assert [c[0] for c in chosen] == np.argmax(proba, axis=1).tolist()


def test_multi_label_head_may_give_several_or_none() -> None:
    # Near-uniform probabilities: the multi-label thresholds pass several labels, or none.
    head = MultiLabelHead()
    head.thresholds_ = np.array([0.3, 0.3, 0.9])
    head.single_label_ = False
    chosen = head.choose(np.array([[0.4, 0.5, 0.1], [0.1, 0.2, 0.8]]))
    assert chosen == [[1, 0], []]


def test_old_artifacts_without_a_mode_stay_multi_label() -> None:
    head = MultiLabelHead()
    head.thresholds_ = np.array([0.5, 0.5])
    assert head.mode == "multi"
    assert head.choose(np.array([[0.6, 0.7]])) == [[1, 0]]


def test_single_label_rejects_items_with_two_themes() -> None:
    X, labels = _blobs([10, 10])
    Y = _indicator(labels, ["c0", "c1"])
    Y[0] = 1
    with pytest.raises(DataError, match="at most one theme"):
        MultiLabelHead().fit(X, Y, labels=["c0", "c1"], single_label=True)


def test_scope_threshold_leaves_out_the_asked_share_of_out_of_scope_items() -> None:
    # 90 in-scope items (top probability 0.6-0.95, all right) and 10 out of scope (0.2-0.5).
    rng = np.random.default_rng(1)
    top_in = rng.uniform(0.6, 0.95, 90)
    top_out = rng.uniform(0.2, 0.5, 10)
    proba = np.zeros((100, 2))
    proba[:90, 0] = top_in
    proba[90:, 1] = top_out
    Y = np.zeros((100, 2), dtype=np.int64)
    Y[:90, 0] = 1
    cut = choose_scope_threshold(proba, Y)
    assert cut <= top_in.min()  # every in-scope item is kept
    assert np.mean(top_out < cut) >= 0.9  # 0.8 plus a margin for only ten examples
    assert choose_scope_threshold(proba, Y, recall=0.5) < cut
    assert choose_scope_threshold(proba[:90], Y[:90]) == 0.0  # nothing out of scope: never cut


def test_single_label_head_learns_to_leave_out_of_scope_items_unassigned() -> None:
    X_in, labels = _blobs([40, 40])
    rng = np.random.default_rng(3)
    # Out-of-scope items sit away from both classes, along a third axis.
    X_out = sp.csr_matrix(np.eye(6)[[4] * 40] * 1.5 + rng.normal(0, 0.3, size=(40, 6)))
    X = sp.vstack([X_in, X_out]).tocsr()
    Y = np.vstack([_indicator(labels, ["c0", "c1"]), np.zeros((40, 2), dtype=np.int64)])
    head = MultiLabelHead().fit(X, Y, labels=["c0", "c1"], single_label=True)
    chosen = head.choose(head.predict_proba(X))
    assert head.scope_threshold_ > 0
    in_scope_right = np.mean([c == [int(lab[1])] for c, lab in zip(chosen, labels, strict=False)])
    out_left = np.mean([c == [] for c in chosen[80:]])
    assert in_scope_right >= 0.8 and out_left >= 0.8
