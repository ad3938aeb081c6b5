"""The promotion gate: a worse challenger is refused, an equal one passes, --force is recorded."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from feedback_ai.ml import FeedbackModel
from feedback_ai.ml.training.dataset import load_golden, load_seed
from feedback_ai.ml.training.evaluate import evaluate
from feedback_ai.ml.training.fit import FitConfig, fit_model
from feedback_ai.ml.training.gate import GATED, gate
from feedback_ai.ml.training.gate_card import render_comparison

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def golden():
    return load_golden()


@pytest.fixture(scope="module")
def shuffled(model: FeedbackModel) -> FeedbackModel:
    """A challenger trained on seed items whose kinds and themes were dealt out at random."""
    seed = load_seed()[::3]
    rng = random.Random(0)
    kinds, themes = [ex.kind for ex in seed], [ex.themes for ex in seed]
    rng.shuffle(kinds)
    rng.shuffle(themes)
    examples = [replace(ex, kind=k, themes=t) for ex, k, t in zip(seed, kinds, themes, strict=True)]
    return fit_model(
        examples,
        taxonomy=model.taxonomy,
        version="shuffled",
        config=FitConfig(use_embeddings=False),
    )


def test_an_equal_challenger_passes(model: FeedbackModel, golden) -> None:
    result = gate(champion=model, challenger=model, golden=golden, held_out=[], tolerance=0.0)
    assert result.promote and result.passed and not result.forced
    assert result.comparison["decision"] == "promote" and result.reasons == ()
    for name in GATED:
        m = result.comparison["metrics"][name]
        assert m["delta"] == 0.0 and m["ok"] and m["champion"] > 0.5


def test_the_gate_figures_are_evaluate_s_figures(model: FeedbackModel, golden) -> None:
    result = gate(champion=None, challenger=model, golden=golden, held_out=[])
    ours = result.comparison["by_set"]["golden"]["challenger"]
    theirs = evaluate(model, golden)
    assert ours["kind_macro_f1"] == theirs["kind"]["macro_f1"]
    assert ours["theme_micro_f1"] == theirs["themes"]["micro_f1"]
    assert ours["requirement_sentence_f1"] == theirs["requirements"]["sentence_f1"]
    assert result.promote and result.comparison["note"]  # nothing to compare with: it passes


def test_a_challenger_trained_on_shuffled_labels_is_refused(
    model: FeedbackModel, shuffled: FeedbackModel, golden
) -> None:
    result = gate(champion=model, challenger=shuffled, golden=golden, held_out=[], tolerance=0.05)
    assert not result.promote and not result.passed
    assert result.comparison["decision"] == "refuse"
    metrics = result.comparison["metrics"]
    assert not metrics["kind_macro_f1"]["ok"] and not metrics["theme_micro_f1"]["ok"]
    assert any("kind_macro_f1" in r for r in result.reasons)
    card = render_comparison(result.comparison)
    assert "refused" in card and "| kind macro-F1 |" in card


def test_force_promotes_a_refused_challenger_and_says_so(
    model: FeedbackModel, shuffled: FeedbackModel, golden
) -> None:
    result = gate(champion=model, challenger=shuffled, golden=golden[:80], held_out=[], force=True)
    assert result.promote and result.forced and not result.passed
    assert result.comparison["decision"] == "forced" and result.reasons
    assert "--force" in render_comparison(result.comparison)
