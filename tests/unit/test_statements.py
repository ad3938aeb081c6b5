"""Requirement sentences become short imperative statements via the dependency parse."""

import pytest

from feedback_ai.ml.requirements.statements import make_statement
from feedback_ai.ml.text.nlp import load_parser


@pytest.fixture(scope="module")
def nlp():
    return load_parser()


@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        ("it would be great if I could export my reports as PDF", "Export reports as PDF"),
        ("Please add dark mode.", "Add dark mode"),
        ("We need SSO with Okta before we can roll out to 400 users.", "Add SSO with Okta"),
        ("Is there a way to export tickets to CSV?", "Export tickets to CSV"),
        ("Would love to see a Slack integration for alerts", "Add Slack integration for alerts"),
        ("I need to be able to filter the report by region", "Filter report by region"),
        ("We would like the ability to set custom fields on deals", "Set custom fields on deals"),
        ("The dashboard doesn't load on Safari", "Fix dashboard not loading"),
        ("Keyboard shortcuts please.", "Add keyboard shortcuts"),
    ],
)
def test_statement(nlp, sentence: str, statement: str) -> None:
    text, confidence = make_statement(nlp(sentence))
    assert text == statement
    assert 0 < confidence <= 1


def test_statement_is_short_and_unpunctuated(nlp) -> None:
    doc = nlp(
        "Honestly, could you please, please let admins bulk-archive old projects, tasks, "
        "files and comments from the settings page in one go without clicking forever?"
    )
    text, _ = make_statement(doc)
    assert text[0].isupper()
    assert not text.endswith((".", "?", "!"))
    assert len(text.split()) <= 11


def test_unusable_and_runaway_sentences_give_no_statement() -> None:
    from feedback_ai.ml.requirements.detector import MAX_STATEMENT_CHARS, RequirementDetector

    made = RequirementDetector().statements(
        ["!!!", "Please, please, please!!!", "Add " + "a" * 5000, "Please add dark mode"]
    )
    assert made[:3] == [None, None, None]
    assert made[3] is not None and made[3][0] == "Add dark mode"
    long = RequirementDetector().statements(["please add " + "very " * 400 + "fast exports"])[0]
    assert long is None or len(long[0]) <= MAX_STATEMENT_CHARS
