"""Feature extraction: word and character TF-IDF, static embeddings, ask/defect cues and the source."""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_ai.ml.features import embeddings
from feedback_ai.ml.features.cues import cue_block
from feedback_ai.ml.features.fastvec import FastTfidf
from feedback_ai.ml.text.pii import PII_PLACEHOLDERS
from feedback_ai.ml.types import SOURCES

# Keeps contractions and product words like "2fa", "e-mail" and "[EMAIL]" as single tokens.
TOKEN_PATTERN = r"(?u)\[[A-Za-z]+\]|\b\w[\w'-]*\w\b|\b\w\b"
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PII_PLACEHOLDERS), re.IGNORECASE)


class FeedbackFeaturizer(TransformerMixin, BaseEstimator):
    """Turns texts (and optionally their sources) into one sparse design matrix."""

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        use_chars: bool = True,
        use_embeddings: bool = True,
        embedding_weight: float = 2.0,
        use_source: bool = True,
        use_cues: bool = False,
        cue_weight: float = 0.5,
        min_df: int = 1,
        max_features: int | None = 300_000,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.use_chars = use_chars
        self.use_embeddings = use_embeddings
        self.embedding_weight = embedding_weight
        self.use_source = use_source
        self.use_cues = use_cues
        self.cue_weight = cue_weight
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts: list[str], y: object = None, *, sources: list[str] | None = None):
        """Learn vocabularies and IDF weights."""
        lowered = [t.lower() for t in texts]
        self.word_ = TfidfVectorizer(
            token_pattern=TOKEN_PATTERN,
            ngram_range=self.word_ngrams,
            sublinear_tf=True,
            min_df=self.min_df,
            max_features=self.max_features,
            lowercase=False,
            dtype=np.float32,
        ).fit(lowered)
        self.char_ = (
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=self.char_ngrams,
                sublinear_tf=True,
                min_df=max(self.min_df, 2),
                max_features=self.max_features,
                lowercase=False,
                dtype=np.float32,
            ).fit(_without_placeholders(lowered))
            if self.use_chars
            else None
        )
        self.n_word_features_ = len(self.word_.vocabulary_)
        if self.use_embeddings:
            self.embeddings_fingerprint_ = embeddings.embeddings_fingerprint()
        return self

    def transform(self, texts: list[str], *, sources: list[str] | None = None) -> sp.csr_matrix:
        """The design matrix; the word block comes first so explanations can index into it."""
        lowered = [t.lower() for t in texts]
        word, char = self._fast()
        blocks: list[sp.csr_matrix | np.ndarray] = [word.transform(lowered)]
        if char is not None:
            blocks.append(char.transform(_without_placeholders(lowered)))
        if self.use_embeddings:
            blocks.append(embeddings.encode(_without_placeholders(texts)) * self.embedding_weight)
        if getattr(self, "use_cues", False):  # featurizers pickled before cues have none
            blocks.append(cue_block(texts, weight=self.cue_weight))
        if self.use_source:
            blocks.append(_source_onehot(sources, len(texts)))
        return hstack_rows(blocks, len(texts))

    def fit_transform(self, texts, y=None, *, sources=None):
        """Fit, then transform the same texts."""
        return self.fit(texts, sources=sources).transform(texts, sources=sources)

    def _fast(self) -> tuple[FastTfidf, FastTfidf | None]:
        """Vectorised transforms of the fitted vectorizers, built on first use (not pickled)."""
        fast = getattr(self, "_fast_tfidf", None)
        if fast is None or fast[0].vectorizer is not self.word_:
            char = FastTfidf(self.char_) if self.char_ is not None else None
            fast = self._fast_tfidf = (FastTfidf(self.word_), char)
        return fast

    def word_terms_cache(self) -> list[str]:
        """The word-block vocabulary, indexed like the first columns of the design matrix."""
        cached = getattr(self, "_terms", None)
        if cached is None:
            cached = self._terms = [str(t) for t in self.word_.get_feature_names_out()]
        return cached

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_terms", None)
        state.pop("_fast_tfidf", None)
        return state


def hstack_rows(blocks: list[sp.csr_matrix | np.ndarray], n: int) -> sp.csr_matrix:
    """sp.hstack(blocks, format="csr", dtype=float32), dense blocks as their nonzeros, built with
    a few whole-array operations: scipy's per-call checks and conversions were most of the
    featurisation of a single item (~1 ms of its 1.5)."""
    parts = []
    offset = 0
    for block in blocks:
        if isinstance(block, np.ndarray):
            nonzero = block != 0
            part = (nonzero.sum(axis=1), np.nonzero(nonzero)[1], block[nonzero])
        else:
            part = (np.diff(block.indptr), block.indices, block.data)
        parts.append((part[0], part[1] + offset, part[2]))
        offset += block.shape[1]
    counts = np.stack([p[0] for p in parts], axis=1).reshape(n, len(parts))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=1), out=indptr[1:])
    # Where each block's share of each row starts in the output: after the row's earlier blocks.
    starts = indptr[:-1, None] + np.cumsum(counts, axis=1) - counts
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=np.float32)
    for k, (per_row, cols, values) in enumerate(parts):
        own_starts = np.cumsum(per_row) - per_row
        dest = np.repeat(starts[:, k] - own_starts, per_row) + np.arange(len(cols))
        indices[dest] = cols
        data[dest] = values
    return sp.csr_matrix((data, indices, indptr), shape=(n, offset))


def _without_placeholders(texts: list[str]) -> list[str]:
    """Character n-grams and embeddings must not read "[EMAIL]" as the word email (a cue for notifications)."""
    return [_PLACEHOLDER.sub(" ", t) if "[" in t else t for t in texts]


_SOURCE_INDEX = {s: i for i, s in enumerate(SOURCES)}


def _source_onehot(sources: list[str] | None, n: int) -> sp.csr_matrix:
    if sources is None:
        return sp.csr_matrix((n, len(SOURCES)), dtype=np.float32)
    other = _SOURCE_INDEX["other"]
    columns = np.fromiter((_SOURCE_INDEX.get(s, other) for s in sources), dtype=np.int32, count=n)
    return sp.csr_matrix(
        (np.full(n, 0.5, dtype=np.float32), columns, np.arange(n + 1, dtype=np.int32)),
        shape=(n, len(SOURCES)),
    )
