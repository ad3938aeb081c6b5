"""Behavioural checks (minimum functionality, invariance, direction) on the model trained from the seed."""

import pytest

from feedback_ai.ml import FeedbackInput, predict


def _one(model, text: str, source: str = "support_ticket"):
    return predict(model, [FeedbackInput(text, source)])[0]


class TestMinimumFunctionality:
    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("The app crashes every time I open the invoices page. Error 500.", "bug"),
            ("Since the last update the export button does nothing, it's broken.", "bug"),
            ("Please add an option to export dashboards to PDF.", "feature_request"),
            ("It would be great if you could add SSO with Okta.", "feature_request"),
            ("Love this product, the team is amazing and it saves us hours every week!", "praise"),
            ("How do I change the billing email on my account?", "question"),
        ],
    )
    def test_obvious_kinds(self, model, text: str, kind: str) -> None:
        assert _one(model, text).kind == kind

    def test_obvious_theme(self, model) -> None:
        pred = _one(
            model, "We were charged twice on our last invoice, please refund the duplicate payment."
        )
        assert "billing_pricing" in [t.label for t in pred.themes]

    def test_request_yields_candidate_with_evidence(self, model) -> None:
        text = "Hi team. It would be great if I could export my reports as PDF. Thanks!"
        pred = _one(model, text)
        assert pred.candidates, pred
        cand = pred.candidates[0]
        assert "export" in cand.statement.lower() and "pdf" in cand.statement.lower()
        assert text[cand.evidence.start : cand.evidence.end] == cand.sentence
        assert 0 < cand.confidence <= 1

    def test_explanations_name_terms_and_sentence(self, model) -> None:
        pred = _one(model, "The mobile app crashes on login. Otherwise fine.")
        kind_expl = next(e for e in pred.explanations if e.head == "kind")
        assert kind_expl.terms and all(t.weight > 0 for t in kind_expl.terms)
        assert kind_expl.evidence is not None and kind_expl.evidence.text in pred.masked_text

    def test_probabilities_are_distributions(self, model) -> None:
        pred = _one(model, "Search results are slow and irrelevant.")
        assert abs(sum(pred.kind_scores.values()) - 1.0) < 1e-3
        assert all(0.0 <= s <= 1.0 for s in pred.theme_scores.values())


class TestInvariance:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            (
                "Maria from Acme says the Salesforce sync fails every night since Monday.",
                "John from Globex says the Salesforce sync fails every night since Monday.",
            ),
            (
                "We have 40 seats and the invoice shows 55, please fix the billing.",
                "We have 12 seats and the invoice shows 19, please fix the billing.",
            ),
            (
                "Email me at jane.doe@example.com: the dashboard never loads.",
                "Email me at bob.smith@example.org: the dashboard never loads.",
            ),
            (
                "Call +1 415 555 0134, the mobile app keeps crashing.",
                "Call +44 20 7946 0958, the mobile app keeps crashing.",
            ),
        ],
    )
    def test_names_numbers_and_pii_do_not_change_kind(self, model, a: str, b: str) -> None:
        assert _one(model, a).kind == _one(model, b).kind

    def test_pii_never_reaches_the_output(self, model) -> None:
        pred = _one(model, "Reach me at jane.doe@example.com or +1 415 555 0134, please add SSO.")
        dumped = str(pred.to_dict())
        assert "jane.doe@example.com" not in dumped and "555 0134" not in dumped


class TestDirection:
    @pytest.mark.parametrize(
        "text",
        [
            "The reporting module is okay.",
            "We use the calendar view every day.",
            "Our team looked at the integrations page.",
        ],
    )
    def test_please_add_raises_feature_request(self, model, text: str) -> None:
        before = _one(model, text).kind_scores["feature_request"]
        after = _one(model, text + " Please add a Slack integration.").kind_scores[
            "feature_request"
        ]
        assert after > before

    def test_crash_raises_bug(self, model) -> None:
        text = "I use the dashboard every morning."
        before = _one(model, text).kind_scores["bug"]
        after = _one(model, text + " It crashes with an error since yesterday.").kind_scores["bug"]
        assert after > before


class TestOddInput:
    @pytest.mark.parametrize(
        ("text", "flag"),
        [
            ("", "empty"),
            ("   \n\t ", "empty"),
            ("🔥🔥👍", "no_text"),
            ("La aplicación no funciona y el soporte es muy lento", "non_english"),
        ],
    )
    def test_defined_outcome(self, model, text: str, flag: str) -> None:
        pred = _one(model, text)
        assert pred.kind == "other" and pred.unassigned and pred.candidates == []
        assert flag in pred.flags

    def test_very_long_text_is_truncated_not_refused(self, model) -> None:
        pred = _one(model, "The export is slow. " * 3000)
        assert "truncated" in pred.flags and pred.kind is not None

    def test_batch_keeps_order_and_length(self, model) -> None:
        texts = ["", "Please add dark mode", "🔥", "The app crashes on start"]
        preds = predict(model, [FeedbackInput(t) for t in texts])
        assert len(preds) == 4
        assert preds[0].flags == ["empty"] and preds[2].flags == ["no_text"]
        assert preds[1].flags == [] and preds[3].flags == []
