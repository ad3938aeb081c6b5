"""A vectorised transform for fitted word and char_wb TF-IDF vectorizers: the same matrix, faster.

scikit-learn builds every n-gram as a Python string and looks it up in a dict, which made
featurisation the largest cost of predict after the parser. Here n-grams never become strings:
words become integer ids and character windows become 64-bit polynomial hashes, computed for the
whole batch at once with numpy, and matched against the vocabulary in a vectorised hash table.
Word n-gram keys are exact. A character n-gram outside the vocabulary could share a hash with
one inside it; with ~10^5 vocabulary entries the chance per n-gram is ~10^-14.
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from feedback_ai.ml.features.hashing import GOLDEN, HashTable, count_matrix

_BASE = np.uint64(0x100000001B3)  # odd, so the polynomial hash is a bijection per position
_LENGTH_TAG = GOLDEN


class FastTfidf:
    """Lookup tables built once from a fitted TfidfVectorizer; `transform` matches its output."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self.n_features = len(vectorizer.vocabulary_)
        self.min_n, self.max_n = vectorizer.ngram_range
        self.supported = _supported(vectorizer)
        if not self.supported:
            return
        terms = list(vectorizer.vocabulary_)
        columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.int64, count=len(terms))
        if vectorizer.analyzer == "word":
            self.pattern = re.compile(vectorizer.token_pattern)
            self.token_ids = {
                t: i for i, t in enumerate(sorted({w for s in terms for w in s.split(" ")}))
            }
            if _word_base(self.max_n + 1, len(self.token_ids)) >= 2**62:  # int64 keys
                self.supported = False
                return
            keys = self._word_term_keys(terms)
        else:
            keys = _char_term_keys(terms)
        if len(np.unique(keys)) != len(keys):  # never seen; fall back rather than guess
            self.supported = False
            return
        self.table = HashTable(keys.view(np.uint64), columns)
        idf = getattr(vectorizer, "idf_", None)
        self.idf = None if idf is None else np.asarray(idf, dtype=np.float32)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The TF-IDF matrix of `texts`, equal to the vectorizer's own transform."""
        if not texts:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        if not self.supported:
            return sp.csr_matrix(self.vectorizer.transform(texts), dtype=np.float32)
        if self.vectorizer.analyzer == "word":
            rows, keys = self._word_keys(texts)
        else:
            rows, keys = _char_keys(texts, self.min_n, self.max_n)
        cols = self.table.lookup(keys.view(np.uint64))
        hit = cols >= 0
        counts = count_matrix(rows[hit], cols[hit], shape=(len(texts), self.n_features))
        return self._weight(counts)

    def _weight(self, X: sp.csr_matrix) -> sp.csr_matrix:
        v = self.vectorizer
        if v.binary:
            X.data.fill(1.0)
        if v.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf is not None and v.use_idf:
            X.data *= self.idf[X.indices]
        if v.norm == "l2":  # sklearn's normalize, without its per-call input checks
            rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
            squares = np.bincount(
                rows, weights=np.square(X.data, dtype=np.float64), minlength=X.shape[0]
            )
            norms = np.sqrt(squares)
            norms[norms == 0] = 1.0
            X.data /= norms[rows].astype(np.float32)
        elif v.norm is not None:
            X = normalize(X, norm=v.norm, copy=False)
        return X

    def _word_term_keys(self, terms: list[str]) -> np.ndarray:
        ids = self.token_ids
        size = len(ids)
        keys = np.empty(len(terms), dtype=np.int64)
        for k, term in enumerate(terms):
            key = 0
            for word in term.split(" "):
                key = key * size + ids[word]
            keys[k] = key + _word_base(term.count(" ") + 1, size)
        return keys

    def _word_keys(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        findall = self.pattern.findall
        tokens = [findall(text) for text in texts]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(texts))
        flat = list(chain.from_iterable(tokens))
        ids = np.fromiter(
            map(self.token_ids.get, flat, repeat(-1)), dtype=np.int64, count=len(flat)
        )
        docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        size = len(self.token_ids)
        rows, keys = [], []
        for n in range(self.min_n, self.max_n + 1):
            m = len(ids) - n + 1
            if m <= 0:
                break
            key = ids[:m].copy()
            ok = key >= 0
            for j in range(1, n):
                nxt = ids[j : j + m]
                ok &= (nxt >= 0) & (docs[j : j + m] == docs[:m])
                key = key * size + nxt
            rows.append(docs[:m][ok])
            keys.append(key[ok] + _word_base(n, size))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(keys)


def _word_base(n: int, size: int) -> int:
    """Offset that keeps n-gram keys of different n apart: sum of size**k for k < n."""
    return sum(size**k for k in range(1, n)) if n > 1 else 0


def _supported(v: TfidfVectorizer) -> bool:
    plain = (
        v.input == "content"
        and v.preprocessor is None
        and v.tokenizer is None
        and not v.lowercase
        and v.strip_accents is None
        and v.vocabulary_ is not None
    )
    if v.analyzer == "word":
        return plain and v.stop_words is None and re.compile(v.token_pattern).groups == 0
    return plain and v.analyzer == "char_wb"


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _tag(hashes: np.ndarray, length: int) -> np.ndarray:
    with np.errstate(over="ignore"):  # wrap-around is the point of a hash
        return hashes + _LENGTH_TAG * np.uint64(length)


def _char_term_keys(terms: list[str]) -> np.ndarray:
    """Hash of each vocabulary n-gram, computed per length with the same recurrence as the texts."""
    keys = np.empty(len(terms), dtype=np.uint64)
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    for length in np.unique(lengths):
        where = np.flatnonzero(lengths == length)
        grid = _codes("".join(terms[i] for i in where)).reshape(len(where), int(length))
        h = np.zeros(len(where), dtype=np.uint64)
        for j in range(int(length)):
            h = h * _BASE + grid[:, j]
        keys[where] = _tag(h, int(length))
    return keys


def _char_keys(texts: list[str], min_n: int, max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, hash) of every char_wb n-gram: windows inside each space-padded word."""
    parts: list[str] = []
    word_lengths: list[int] = []
    per_doc = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        words = text.split()
        if words:
            per_doc[d] = len(words)
            parts.append(" " + "  ".join(words) + " ")
            word_lengths.extend(map(len, words))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    codes = _codes("".join(parts))
    padded = np.asarray(word_lengths, dtype=np.int64) + 2
    ends = np.cumsum(padded)
    pos_end = np.repeat(ends, padded)
    pos_doc = np.repeat(np.repeat(np.arange(len(texts), dtype=np.int64), per_doc), padded)
    positions = np.arange(len(codes), dtype=np.int64)
    rows, keys = [], []
    h = np.zeros(len(codes), dtype=np.uint64)
    for n in range(1, max_n + 1):
        m = len(codes) - n + 1
        if m <= 0:
            break
        h = h[:m] * _BASE + codes[n - 1 :]
        if n >= min_n:
            ok = positions[:m] + n <= pos_end[:m]
            rows.append(pos_doc[:m][ok])
            keys.append(_tag(h[ok], n))
        else:  # a padded word shorter than min_n counts once, whole (sklearn's rule)
            starts = ends - padded
            whole = starts[padded == n]
            rows.append(pos_doc[whole])
            keys.append(_tag(h[whole], n))
    return np.concatenate(rows), np.concatenate(keys)
