"""Data checks on the bundled seed and golden sets: schema, label sets, size, duplicates, leaks."""

from collections import Counter

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_ai.ml.themes.taxonomy import load_taxonomy
from feedback_ai.ml.training.dataset import load_golden, load_seed
from feedback_ai.ml.types import DEFAULT_KINDS, SOURCES


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture(scope="module")
def golden():
    return load_golden()


def test_default_taxonomy_has_at_least_15_themes() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.ids) >= 15
    assert all(t.description for t in taxonomy.themes)


@pytest.mark.parametrize("which", ["seed", "golden"])
def test_schema_and_label_sets(which: str, request: pytest.FixtureRequest) -> None:
    examples = request.getfixturevalue(which)
    theme_ids = set(load_taxonomy().ids)
    for ex in examples:
        assert ex.text.strip(), ex.id
        assert ex.source in SOURCES, ex.id
        assert ex.kind in DEFAULT_KINDS, ex.id
        assert ex.themes is not None and set(ex.themes) <= theme_ids, ex.id
        assert ex.requirements is not None, ex.id
        for req in ex.requirements:
            assert req.sentence in ex.text, ex.id
            assert req.statement[:1].isupper() and not req.statement.endswith("."), ex.id


def test_seed_size_and_coverage(seed) -> None:
    assert len(seed) >= 2000
    assert sum(bool(ex.requirements) for ex in seed) >= 400
    assert {ex.source for ex in seed} >= {"support_ticket", "sales_note", "app_review", "survey"}
    assert set(Counter(ex.kind for ex in seed)) == set(DEFAULT_KINDS)
    per_theme = Counter(t for ex in seed for t in ex.themes or ())
    assert {t: n for t, n in per_theme.items() if n < 40} == {}
    assert set(per_theme) == set(load_taxonomy().ids)


def test_golden_size(golden) -> None:
    assert len(golden) >= 300
    assert set(Counter(ex.kind for ex in golden)) == set(DEFAULT_KINDS)


@pytest.mark.parametrize("which", ["seed", "golden"])
def test_no_duplicates_within(which: str, request: pytest.FixtureRequest) -> None:
    examples = request.getfixturevalue(which)
    ids = Counter(ex.id for ex in examples)
    texts = Counter(_key(ex.text) for ex in examples)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [t for t, n in texts.items() if n > 1] == []


def test_golden_never_overlaps_training(seed, golden) -> None:
    seed_texts = {_key(ex.text) for ex in seed}
    assert [ex.id for ex in golden if _key(ex.text) in seed_texts] == []
    assert {ex.id for ex in seed} & {ex.id for ex in golden} == set()
    # Near-duplicates leak too: no golden item may be a light edit of a seed item.
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit([ex.text for ex in seed])
    sims = vec.transform([ex.text for ex in golden]) @ vec.transform([ex.text for ex in seed]).T
    leaks = [golden[i].id for i in range(sims.shape[0]) if sims[i].max() > 0.9]
    assert leaks == []
