"""The active-learning order: unsure items first, weighted by priority."""

from __future__ import annotations

import pytest

from feedback_ai.ml.training.active import (
    kind_uncertainty,
    review_score,
    spread_by_theme,
    theme_uncertainty,
    uncertainty,
)


class TestUncertainty:
    def test_a_close_call_between_two_kinds_is_more_uncertain_than_a_clear_one(self) -> None:
        close = kind_uncertainty({"bug": 0.45, "complaint": 0.43, "praise": 0.12})
        clear = kind_uncertainty({"bug": 0.95, "complaint": 0.03, "praise": 0.02})
        assert close == pytest.approx(0.98)
        assert clear == pytest.approx(0.08)

    def test_a_theme_score_on_its_threshold_is_a_coin_toss(self) -> None:
        assert theme_uncertainty({"billing": 0.40}, {"billing": 0.40}) == pytest.approx(1.0)
        assert theme_uncertainty({"billing": 0.95}, {"billing": 0.40}) == pytest.approx(0.0)
        assert theme_uncertainty({"billing": 0.5}, {}) == 0.0

    def test_the_item_takes_the_larger_of_kind_and_theme(self) -> None:
        u = uncertainty(
            kind_scores={"bug": 0.99, "other": 0.01},
            theme_scores={"sso": 0.31},
            thresholds={"sso": 0.3},
        )
        assert u == pytest.approx(0.98)

    def test_priority_orders_equally_unsure_items_and_never_zeroes_them(self) -> None:
        big, small = (
            review_score(uncertainty=0.9, priority=1.0),
            review_score(uncertainty=0.9, priority=0.0),
        )
        assert big > small > 0
        assert review_score(uncertainty=0.0, priority=1.0) == 0.0


def test_predictions_carry_an_uncertainty_in_range(model) -> None:
    from feedback_ai.ml import FeedbackInput, predict

    preds = predict(
        model,
        [
            FeedbackInput(text="The export to CSV crashes every time.", source="support_ticket"),
            FeedbackInput(text="ok", source="survey"),
            FeedbackInput(text="Il serait bien d'avoir une version en français.", source="survey"),
        ],
    )
    assert all(0.0 <= p.uncertainty <= 1.0 for p in preds)
    assert preds[2].uncertainty == 1.0  # another language: not scored
    assert model.theme_thresholds and all(0 <= t <= 1 for t in model.theme_thresholds.values())


def test_a_zero_threshold_decides_nothing_and_single_label_heads_use_the_margin() -> None:
    scores = {"card_arrival": 0.48, "card_delivery": 0.46, "refund": 0.01}
    zero = dict.fromkeys(scores, 0.0)
    # Scope threshold 0: every theme "sits on" it; that alone must not make every item a toss-up.
    assert theme_uncertainty({"refund": 0.0}, {"refund": 0.0}) == 0.0
    assert theme_uncertainty(scores, zero, single_label=True) == pytest.approx(0.98)
    clear = {"card_arrival": 0.97, "card_delivery": 0.02, "refund": 0.01}
    assert theme_uncertainty(clear, zero, single_label=True) == pytest.approx(0.05)


class TestSpreadByTheme:
    """The diversity term: no predicted theme floods the head of the queue."""

    def _order(self, scores: list[float], themes: list[str], per_theme: int) -> list[int]:
        spread = spread_by_theme(scores, themes, per_theme=per_theme)
        return sorted(range(len(scores)), key=lambda i: -spread[i])

    def test_no_theme_takes_more_than_its_share_of_the_first_round(self) -> None:
        # Eight very unsure "card" items would fill a plain margin-ordered batch of six.
        scores = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.40, 0.30, 0.20, 0.10]
        themes = ["card"] * 8 + ["refund", "refund", "atm", "atm"]
        first_round = self._order(scores, themes, per_theme=2)[:6]
        picked = [themes[i] for i in first_round]
        assert {t: picked.count(t) for t in set(picked)} == {"card": 2, "refund": 2, "atm": 2}
        # Within a round the more unsure items come first, and the best of each theme is taken.
        assert first_round == [0, 1, 8, 9, 10, 11]

    def test_within_one_theme_the_order_is_the_review_score_order(self) -> None:
        scores = [0.2, 0.9, 0.5, 0.7]
        assert self._order(scores, ["x"] * 4, per_theme=3) == [1, 3, 2, 0]

    def test_scores_stay_in_range_and_beyond_the_last_tier_fall_back_to_the_score(self) -> None:
        scores = [1.0 - i / 100 for i in range(40)]
        spread = spread_by_theme(scores, ["x"] * 40, per_theme=1)
        assert all(0.0 <= s <= 1.0 for s in spread)
        assert spread == sorted(spread, reverse=True)  # one theme: ranks and tiers agree
        assert len(set(spread)) == 40  # the last tier still orders by score
