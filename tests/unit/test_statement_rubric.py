"""The statement rubric of bench/statements.py catches the statements issue 8 called out."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def rubric():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_statements", BENCH / "statements.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_statements"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


@pytest.mark.parametrize(
    ("statement", "sentence", "before", "failed"),
    [
        ("Add it", "Please add SSO support (Okta SAML) - our security team requires it.", "", {"pronoun", "object"}),
        ("Sign only sign", "Prospect will only sign if we support data residency in the EU.", "", {"repeated"}),
        ("Has same issue when opened in Excel", "CSV has the same issue when opened in Excel.", "", {"imperative"}),
        ("Add dark mode to the dashboard", "Please add dark mode.", "", {"provenance"}),
        ("Add SSO support (Okta SAML)", "Please add SSO support (Okta SAML) - our security team requires it.", "", set()),
        ("Speed up search with large projects", "Also the search is really slow with large projects.", "", set()),
        ("Fix export", "Please fix it asap.", "The export crashes. ", set()),
    ],
)  # fmt: skip
def test_rubric(rubric, statement: str, sentence: str, before: str, failed: set[str]) -> None:
    checker = rubric.Rubric()
    candidate = rubric.Candidate("test", statement, sentence, before)
    assert set(checker.failures([candidate])[0]) == failed
