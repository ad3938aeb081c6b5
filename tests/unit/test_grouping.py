"""Requirement matching: paraphrases join, distinct asks stay apart, deterministic, rebuildable."""

from __future__ import annotations

import json

import pytest

from feedback_ai.errors import DataError
from feedback_ai.ml.grouping.matcher import GroupingConfig, RequirementIndex
from feedback_ai.ml.grouping.normalize import Normalizer, stem

BACKGROUND = [
    "Filter dashboards by region",
    "Archive old projects",
    "Translate the interface to German",
    "Slack notifications for new tickets",
    "Raise the API rate limits",
    "Import contacts from CSV",
    "Add two-factor authentication",
    "Offline mode for the mobile app",
]
PARAPHRASES = [
    ("Export reports as PDF", "It would be great if I could export my reports to PDF"),
    ("Support SSO with Okta", "Single sign-on via Okta"),
    ("Add dark mode", "Please add a night mode"),
    ("Sync contacts with Salesforce", "Contacts should synchronize with Salesforce"),
    ("Schedule weekly reports by email", "Email me the report every week on a schedule"),
    ("Bulk edit tickets", "Let me edit tickets in bulk"),
    ("Export reports as PDF", "Exprot reports as PDF"),
]
DISTINCT = [
    ("Export reports as PDF", "Import contacts from CSV"),
    ("Support SSO with Okta", "Add two-factor authentication"),
    ("Add dark mode", "Offline mode for the mobile app"),
    ("Sync contacts with Salesforce", "Sync deals with HubSpot"),
    ("Bulk edit tickets", "Merge duplicate tickets"),
    ("Schedule weekly reports by email", "Filter reports by date"),
]


def index_with(*statements: str) -> RequirementIndex:
    """An index holding the background asks plus the given statements (keys A, B, ...)."""
    index = RequirementIndex()
    for i, text in enumerate(BACKGROUND):
        index.add(text, key=f"bg{i}")
    for i, text in enumerate(statements):
        index.add(text, key=chr(ord("A") + i))
    return index


class TestNormalizer:
    def test_stem_folds_inflections(self):
        assert stem("exporting") == stem("exported") == stem("exports") == "export"
        assert stem("crashes") == "crash"

    def test_synonyms_and_stopwords(self):
        tokens = Normalizer().tokens("It would be great to have single sign-on with Okta")
        assert tokens == ["sso", "sso"]


class TestMatch:
    @pytest.mark.parametrize(("existing", "paraphrase"), PARAPHRASES)
    def test_paraphrase_joins(self, existing, paraphrase):
        index = index_with(existing)
        match = index.match(paraphrase)
        assert (match.key, match.created) == ("A", False), match

    @pytest.mark.parametrize(("existing", "other"), DISTINCT)
    def test_distinct_ask_opens_new(self, existing, other):
        index = index_with(existing)
        match = index.match(other)
        assert match.key != "A", match

    def test_join_returns_score_and_grows_profile(self):
        index = index_with("Export reports as PDF")
        first = index.match("PDF export of reports")
        assert not first.created and 0 < first.score <= 1
        assert len(index) == len(BACKGROUND) + 1

    def test_sentence_helps_but_statement_rules(self):
        index = index_with("Export reports as PDF")
        hit = index.search("Export reports", sentence="I need to export reports to PDF", k=1)
        bare = index.search("Export reports", k=1)
        assert hit[0][0] == "A" and hit[0][1] > bare[0][1]

    def test_removed_requirement_is_not_matched(self):
        index = index_with("Export reports as PDF")
        index.remove("A")
        assert "A" not in index
        assert index.match("Export my reports to PDF").created

    def test_duplicate_key_is_refused(self):
        index = index_with("Export reports as PDF")
        with pytest.raises(DataError, match="already indexed"):
            index.add("anything", key="A")

    def test_threshold_is_tunable(self):
        strict = RequirementIndex(config=GroupingConfig(threshold=0.99))
        strict.add("Export reports as PDF", key="A")
        assert strict.match("PDF export for my reports please").created


class TestDeterminism:
    STREAM = [s for pair in PARAPHRASES + DISTINCT for s in pair] * 2

    def test_same_input_same_keys(self):
        first = RequirementIndex().consolidate(self.STREAM)
        second = RequirementIndex().consolidate(self.STREAM)
        assert first == second

    def test_state_round_trip_rebuilds_the_same_index(self):
        index = RequirementIndex()
        index.consolidate(self.STREAM)
        state = json.loads(json.dumps(index.to_state()))
        rebuilt = RequirementIndex.from_state(state)
        assert len(rebuilt) == len(index)
        probe = "export all reports to PDF"
        before, after = index.search(probe, k=3), rebuilt.search(probe, k=3)
        assert [k for k, _ in after] == [k for k, _ in before]
        assert [s for _, s in after] == pytest.approx([s for _, s in before], abs=0.02)

    def test_keys_come_from_caller(self):
        index = RequirementIndex()
        opened = index.match("Export reports as PDF", new_key="req_db_42")
        joined = index.match("Export the reports as PDF", new_key="req_db_43")
        assert (opened.key, opened.created) == ("req_db_42", True)
        assert (joined.key, joined.created) == ("req_db_42", False)

    def test_unknown_state_version_is_refused(self):
        with pytest.raises(DataError, match="rebuild"):
            RequirementIndex.from_state({"version": 99, "requirements": []})


class TestShortlistPaths:
    """The plain-Python shortlist (few postings) and numpy's give the same matches, exactly."""

    VERBS = ("Export", "Import", "Sync", "Filter", "Archive", "Share", "Schedule", "Bulk edit")
    NOUNS = ("reports", "contacts", "tickets", "dashboards", "projects", "invoices", "deals")
    TAILS = ("as PDF", "with Salesforce", "by region", "every week", "from CSV", "in bulk", "")

    def stream(self) -> list[str]:
        return [
            f"{v} {n} {t}".strip()
            for i, v in enumerate(self.VERBS)
            for j, n in enumerate(self.NOUNS)
            for t in self.TAILS[(i + j) % 3 :: 2]
        ]

    def matches(self, monkeypatch, small: int) -> list:
        from feedback_ai.ml.grouping import matcher

        monkeypatch.setattr(matcher, "SMALL_SHORTLIST", small)
        # Few postings per term read, and a removed requirement: both paths must skip the same.
        index = RequirementIndex(config=GroupingConfig(max_postings=6, max_candidates=5))
        out = []
        for i, statement in enumerate(self.stream()):
            out.append(index.match(statement, new_key=f"k{i}"))
            if i == 20:
                index.remove(out[3].key)
        return out

    def test_same_matches_and_scores(self, monkeypatch):
        numpy_only = self.matches(monkeypatch, -1)
        python_only = self.matches(monkeypatch, 10**9)
        assert len({m.key for m in numpy_only}) > 5  # some opened, some joined
        assert any(not m.created for m in numpy_only)
        assert python_only == numpy_only  # keys, created and float scores, exactly


class TestIndexMemory:
    """What the index keeps per requirement: one copy of each term, member texts only if asked."""

    STREAM = TestDeterminism.STREAM

    def test_without_texts_the_matches_are_the_same_and_no_text_is_kept(self):
        kept, lean = RequirementIndex(), RequirementIndex(keep_texts=False)
        assert lean.consolidate(self.STREAM) == kept.consolidate(self.STREAM)
        assert all(texts == [] for texts in lean._texts)
        with pytest.raises(DataError, match="keep_texts"):
            lean.to_state()

    def test_profiles_share_one_string_per_term(self):
        index = RequirementIndex()
        # Separately built strings: each statement's analysis makes its own term objects.
        index.add("".join(["Export ", "reports"]), key="A")
        index.add("".join(["Export ", "contacts"]), key="B")
        a, b = (next(t for t in index._profiles[index._slot[k]] if t == "export") for k in "AB")
        assert a is b
