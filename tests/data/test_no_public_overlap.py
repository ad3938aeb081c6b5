"""No bundled seed or golden item overlaps the shared public datasets (licences and honest evaluation).

Reads every text cell of every CSV and every string of every JSON file under FEEDBACK_AI_DATASETS
(default ../shared/datasets beside the repository), so a dataset added there is checked too. An item
leaks when it equals a dataset text after normalising case and whitespace, or when their word sets
nearly coincide: Jaccard >= 0.75, or >= 90% of the shorter text's words inside the other, for texts of
at least 8 (resp. 12) distinct words, where such overlap cannot be chance.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from feedback_ai.ml.training.dataset import load_golden, load_seed
from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
_WORD = r"(?u)\b\w+\b"
MIN_WORDS_JACCARD = 8
MIN_WORDS_CONTAINED = 12


def _datasets_dir() -> Path:
    return Path(os.environ.get("FEEDBACK_AI_DATASETS") or REPO.parent / "shared" / "datasets")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _public_texts(root: Path) -> list[str]:
    texts: list[str] = []
    csv.field_size_limit(10_000_000)
    for path in sorted(root.rglob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as f:
            texts.extend(cell for row in csv.reader(f) for cell in row)
    for path in sorted(root.rglob("*.json")):
        texts.extend(_strings(json.loads(path.read_text(encoding="utf-8", errors="replace"))))
    # Labels, ids and numbers are not texts anyone could copy: keep cells of three words or more.
    return sorted({t for t in texts if len(t.split()) >= 3})


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def public() -> list[str]:
    root = _datasets_dir()
    if not root.is_dir():
        skip_or_fail(f"public datasets not found at {root} (set FEEDBACK_AI_DATASETS)")
    texts = _public_texts(root)
    if not texts:
        skip_or_fail(f"no dataset texts under {root}")
    return texts


@pytest.fixture(scope="module")
def bundled() -> list[tuple[str, str]]:
    return [(ex.id, ex.text) for ex in load_seed() + load_golden()]


def test_public_texts_were_read(public: list[str]) -> None:
    # The shared folder holds tens of thousands of labelled texts; a handful means a reader broke.
    assert len(public) > 10_000


def test_no_exact_copies(public: list[str], bundled: list[tuple[str, str]]) -> None:
    keys = {_key(t) for t in public}
    assert [i for i, text in bundled if _key(text) in keys] == []


def test_no_near_duplicates(public: list[str], bundled: list[tuple[str, str]]) -> None:
    vec = CountVectorizer(token_pattern=_WORD, binary=True, dtype=np.float32)
    vec.fit([t for _, t in bundled])  # words absent from every bundled item cannot overlap
    ours = vec.transform([t for _, t in bundled]).tocsr()
    theirs = vec.transform(public).T.tocsr()
    their_sizes = np.asarray(
        [len(set(re.findall(_WORD, t.lower()))) for t in public], dtype=np.float32
    )
    our_sizes = np.asarray(ours.sum(axis=1)).ravel()
    leaks = []
    for start in range(0, ours.shape[0], 256):
        block = ours[start : start + 256]
        inter = (block @ theirs).toarray()
        a = our_sizes[start : start + 256, None]
        union = a + their_sizes[None, :] - inter
        smaller = np.minimum(a, their_sizes[None, :])
        jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        contained = np.divide(inter, smaller, out=np.zeros_like(inter), where=smaller > 0)
        hit = ((jaccard >= 0.75) & (smaller >= MIN_WORDS_JACCARD)) | (
            (contained >= 0.9) & (smaller >= MIN_WORDS_CONTAINED)
        )
        for r, c in zip(*np.nonzero(hit), strict=True):
            leaks.append((bundled[start + r][0], public[c][:80]))
    assert leaks == []
