"""Featurize a large training set: vocabularies from a sample, the matrix in chunks on both cores.

scikit-learn's TfidfVectorizer.fit builds every character n-gram as a Python string (~1.5 s per
5,000 feedback items here), ten times the cost of our vectorised transform (fastvec.py). Fitting the
vocabularies and IDF weights on a random sample of a large training set keeps every n-gram that is
not rare, with IDF estimates that hardly move; n-grams seen only outside the sample are left out.
The transform then covers every text, a chunk at a time so its temporary hash arrays stay small.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import scipy.sparse as sp

# Texts per transform chunk: ~10^7 n-gram hashes, ~200 MB of temporaries.
CHUNK = 10_000


def sample_rows(n: int, size: int, *, seed: int) -> list[int]:
    """`size` of range(n) at random, in order (all of them when n <= size)."""
    if n <= size:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), size))


def fit_on_sample(
    featurizer: Any,
    texts: list[str],
    sources: list[str] | None,
    *,
    sample: int,
    seed: int,
    n_jobs: int = 1,
) -> sp.csr_matrix:
    """Fit `featurizer` on a sample of `texts`, then transform all of them (chunks on threads)."""
    rows = sample_rows(len(texts), sample, seed=seed)
    featurizer.fit(
        [texts[i] for i in rows], sources=None if sources is None else [sources[i] for i in rows]
    )
    featurizer.transform(texts[:1], sources=None if sources is None else sources[:1])  # caches

    def chunk(start: int) -> sp.csr_matrix:
        part = None if sources is None else sources[start : start + CHUNK]
        return featurizer.transform(texts[start : start + CHUNK], sources=part)

    starts = range(0, len(texts), CHUNK)
    with ThreadPoolExecutor(max(1, n_jobs)) as pool:
        blocks = list(pool.map(chunk, starts))
    return sp.vstack(blocks, format="csr")
