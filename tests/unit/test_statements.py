"""Requirement sentences become short imperative statements via the dependency parse."""

import pytest

from feedback_ai.ml.requirements.phrases import tidy
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


@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        (
            "Please add SSO support (Okta SAML) - our security team requires it.",
            "Add SSO support (Okta SAML)",
        ),
        (
            "We really need SAML single sign-on with Okta before we can roll out.",
            "Support SAML single sign-on with Okta",
        ),
        (
            "Prospect (Globex, 1.2k seats) will only sign if we support data residency in the EU "
            "and have a SOC 2 report.",
            "Support data residency in EU",
        ),
        (
            "Customer asked for a Salesforce integration so reps can see tickets in the account view.",
            "Add Salesforce integration",
        ),
        ("Bulk edit for tasks would save us hours every week.", "Add bulk edit for tasks"),
        (
            "Also the search is really slow with large projects.",
            "Speed up search with large projects",
        ),
        (
            "Missing: an API endpoint to create invoices programmatically.",
            "Add API endpoint to create invoices programmatically",
        ),
        (
            "They won't move past 40 seats without SAML SSO through Azure AD.",
            "Support SAML SSO through Azure AD",
        ),
        ("Our Shopify order import is taking 40+ minutes.", "Speed up Shopify order import"),
        ("Let me export invoices to CSV.", "Export invoices to CSV"),
        ("We need SAML single sign-on with Okta.", "Support SAML single sign-on with Okta"),
        ("Search is broken for anything with a hyphen.", "Fix broken search"),
        ("error please fix this", "Fix error"),
        ("Good app but PLEASE add dark mode, my eyes are done.", "Add dark mode"),
        (
            "It would help a lot if the activity feed could be filtered to just my projects.",
            "Filter activity feed to projects",
        ),
        ("The export button does nothing on Safari.", "Fix export button on Safari"),
        (
            "Bramble & Co are frustrated the Salesforce connector only syncs every 60 minutes.",
            "Fix Salesforce connector syncing",
        ),
    ],
)
def test_issue_examples_read_as_a_pm_would_write_them(nlp, sentence: str, statement: str) -> None:
    assert make_statement(nlp(sentence))[0] == statement


@pytest.mark.parametrize(
    "sentence",
    [
        "please fix it",
        "It looks like the cancel adds the restock twice instead of reversing it.",
        "and please make it take up less space !",
    ],
)
def test_a_pronoun_object_gives_no_statement(nlp, sentence: str) -> None:
    assert make_statement(nlp(sentence)) == ("", 0.0)


def test_a_repeated_word_ends_the_statement(nlp) -> None:
    text, _ = make_statement(
        nlp("I want to filter by custom fields and by owner's team, not just owner.")
    )
    assert text == "Filter by custom fields by owner's team"
    assert "owner" not in text.lower().split()


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


def test_the_clause_after_a_mood_makes_the_statement(nlp) -> None:
    # Mixed-mood reviews: "love the app" is not the ask; the clause after "but" is.
    assert make_statement(nlp("love it but please add dark mode"))[0] == "Add dark mode"
    crash = make_statement(nlp("love the app but it crashes every time i open a pdf"))[0].lower()
    assert "crash" in crash and "pdf" in crash and "app" not in crash


@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        # A hyphenated word stays whole even when the parse splits it apart.
        ("Our legal team wants e-signature on every contract.", "Add e-signature"),
        # What a faulty feature fails on is kept.
        ("Billing page doesn't show the VAT number.", "Fix billing page not showing VAT number"),
        (
            "The dashboard widget loses saved filters after a refresh.",
            "Fix dashboard widget losing saved filters",
        ),
        ("The filter returns nothing for archived deals.", "Fix filter for archived deals"),
        # "X keeps doing Y" describes a behaviour to stop.
        (
            "The sidebar keeps collapsing when a page reloads.",
            "Fix sidebar collapsing when page reloads",
        ),
        ("Please re-send the welcome email.", "Re-send welcome email"),
        ("Please add no-code automations.", "Add no-code automations"),
        # A condition on a thing in the product is part of the ask; one on the writer is not.
        ("Please archive the project when a contract ends.", "Archive project when contract ends"),
        ("I'd like to export reports when I'm done.", "Export reports"),
        # An ask stated before the reason outranks the reason's clause.
        (
            "Northwind asked for a read-only auditor role so their accountants can check payouts.",
            "Add read-only auditor role",
        ),
        ("Needs a way to pin favourite reports, we have dozens of them.", "Pin favourite reports"),
    ],
)
def test_statement_keeps_what_the_ask_is_about(nlp, sentence: str, statement: str) -> None:
    assert make_statement(nlp(sentence))[0] == statement


def test_no_statement_ends_on_a_dangling_preposition() -> None:
    assert (
        tidy("Add option to delete closed tickets after") == "Add option to delete closed tickets"
    )
    assert tidy("Export invoices via") == "Export invoices"


def test_a_label_before_a_colon_is_not_the_subject() -> None:
    from feedback_ai.ml.requirements.detector import RequirementDetector

    made = RequirementDetector().statements(
        [
            "Acme Retail, renewal call: their store managers need offline mode in the tablet app.",
            "Customer note: please fix it.",
            "Missing: an API endpoint to create invoices programmatically.",
            "The tab 'Due: today' on the board lists tasks from other teams.",
            "Contact: [EMAIL], [PHONE].",
        ]
    )
    assert made[0] is not None and made[0][0] == "Add offline mode in tablet app"
    assert made[1] is None  # still no statement from a bare pronoun
    assert (
        made[2] is not None and made[2][0] == "Add API endpoint to create invoices programmatically"
    )
    assert made[3] is not None and "tab" in made[3][0].lower()  # a colon in quotes is no label
    assert made[4] is None or not made[4][0].startswith("EMAIL")  # placeholders are no sentence


def test_what_something_keeps_saying_is_no_behaviour_to_fix(nlp) -> None:
    made = make_statement(nlp("The app keeps saying the file is broken."))[0]
    assert not made.startswith("Fix app saying")


@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        # the verb after "please" is the ask, whatever mood or mis-parsed subject comes first
        ("Love the app, please add dark mode", "Add dark mode"),
        ("great app pls bring back the old layout", "Bring back old layout"),
        (
            "honestly love it but pls add a way to export to csv, copying by hand takes forever",
            "Add way to export to csv",
        ),
        # a fault with no subject, or "it" for the app: a fix, never an imperative "Crash ..."
        (
            "it crashes on startup since the last update",
            "Fix crashing on startup since last update",
        ),
        ("it freezes and crashes.", "Fix freezing and crashing"),
        ("stopped working  just get a black screen now!", "Fix not working"),
        ("api error 401 please fix asap!", "Fix api error 401"),
        ("bug  please fix i have many builder in my base", "Fix bug"),
        ("It freezes on the login screen.", "Fix freezing on login screen"),
        ("keeps crashing when i open a pdf", "Fix crashing when opening pdf"),
        ("Crashes constantly.", "Fix crashes constantly"),
        ("the app freezes when i scroll the feed", "Fix app freezing when scrolling feed"),
    ],
)
def test_real_reviews_state_the_ask_or_the_fault(nlp, sentence: str, statement: str) -> None:
    assert make_statement(nlp(sentence))[0] == statement


def test_a_gerund_doubles_only_a_stressed_last_consonant() -> None:
    from feedback_ai.ml.requirements.faults import _gerund

    assert [_gerund(v) for v in ("stop", "open", "edit", "submit", "log", "sync", "freeze")] == [
        "stopping", "opening", "editing", "submitting", "logging", "syncing", "freezing",
    ]  # fmt: skip
