"""Mixed-mood reviews on the seed model: a concrete defect or ask decides the kind, whatever the mood.

Texts are written for these tests (not taken from any public dataset) in the way app-store reviews
and quick tickets are written: lower case, no apostrophes, praise or anger around one actionable point.
"""

import pytest

from feedback_ai.ml import FeedbackInput, predict


def _one(model, text: str, source: str = "app_review"):
    return predict(model, [FeedbackInput(text, source)])[0]


class TestMinimumFunctionality:
    @pytest.mark.parametrize(
        "text",
        [
            "love it but it crashes every time i open a pdf",
            "best weather app ive had. shame the radar map freezes my phone every morning",
            "so good!! only issue is the sync with my laptop stopped working since tuesday",
            "5 stars for the design but the app logs me out every time i lock the screen 😤",
            "terrible customer service and on top of that the payment screen shows an error",
        ],
    )
    def test_defect_in_a_mood_is_a_bug(self, model, text: str) -> None:
        assert _one(model, text).kind == "bug"

    @pytest.mark.parametrize(
        "text",
        [
            "really nice app, would be perfect with a dark mode",
            "good but could be great if i could export the list to excel",
            "love the game!! please add a way to play with friends",
            "meh. no way to sort by date which is annoying, please add that",
            "works fine. wish it had a widget for the home screen",
            # Asks worded as something absent (features/cues.py, the "absent" family).
            "great scanner app, the only thing i miss is saving straight to google drive",
            "nice music player but it lacks an equalizer 🎧",
        ],
    )
    def test_ask_in_a_mood_is_a_feature_request(self, model, text: str) -> None:
        assert _one(model, text).kind == "feature_request"

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("love this app, use it every day 😍", "praise"),
            ("way too expensive for what it does, not paying that every month", "complaint"),
        ],
    )
    def test_pure_moods_keep_their_kind(self, model, text: str, kind: str) -> None:
        assert _one(model, text).kind == kind

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            # Naming a feature that exists is not asking for one.
            ("thank you for adding the sleep timer, exactly what i wanted", "praise"),
            # Slowness and friction of something that works are complaints, not defects or asks.
            ("the app takes ages to open on my phone, like 20 seconds every time", "complaint"),
            ("the settings are buried three menus deep, so annoying", "complaint"),
        ],
    )
    def test_hard_negatives_are_not_actionable(self, model, text: str, kind: str) -> None:
        assert _one(model, text).kind == kind

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("kindly add option for night mode, very bright at night", "feature_request"),
            ("please fix, the app closes itself when i open my cart", "bug"),
        ],
    )
    def test_requests_in_store_english(self, model, text: str, kind: str) -> None:
        assert _one(model, text).kind == kind


class TestInvariance:
    @pytest.mark.parametrize(
        ("core", "kind"),
        [
            ("the export to csv gives me an empty file.", "bug"),
            ("please add a sleep timer.", "feature_request"),
        ],
    )
    @pytest.mark.parametrize(
        "wrapper",
        ["great app, love it. {}", "{} otherwise amazing, 5 stars", "so annoying!!! {}"],
    )
    def test_mood_around_an_actionable_sentence_does_not_change_it(
        self, model, core: str, kind: str, wrapper: str
    ) -> None:
        assert _one(model, core).kind == kind
        assert _one(model, wrapper.format(core)).kind == kind


class TestSentenceKinds:
    def test_each_sentence_has_its_kind_and_offsets(self, model) -> None:
        # Praise carries the item as a whole (so its sentences are scored); the defect decides.
        text = (
            "Love this product, onboarding was great and support is lovely. "
            "However the invoice PDF shows the wrong total."
        )
        pred = _one(model, text, "support_ticket")
        assert max(pred.kind_scores, key=pred.kind_scores.__getitem__) == "praise"
        assert pred.kind == "bug"
        kinds = [s.kind for s in pred.sentence_kinds]
        assert kinds[0] == "praise" and kinds[-1] == "bug", kinds
        for s in pred.sentence_kinds:
            assert text[s.evidence.start : s.evidence.end] == s.evidence.text
            assert 0.0 < s.score <= 1.0
        # The kind's explanation points at the sentence that decided it.
        kind_expl = next(e for e in pred.explanations if e.head == "kind")
        assert kind_expl.evidence is not None and "wrong total" in kind_expl.evidence.text

    def test_item_called_actionable_as_a_whole_needs_no_sentence_scores(self, model) -> None:
        pred = _one(model, "The export button does nothing. It fails with error 500 every time.")
        assert pred.kind == "bug" and pred.sentence_kinds == []

    def test_one_sentence_item_shares_the_item_kind(self, model) -> None:
        pred = _one(model, "Please add SSO with Okta.", "sales_note")
        assert [s.kind for s in pred.sentence_kinds] == [pred.kind]
        assert pred.sentence_kinds[0].score == pred.kind_score
