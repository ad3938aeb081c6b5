"""The fast featurisation paths give the same numbers as the libraries they replace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_ai.ml.features import embeddings
from feedback_ai.ml.features.fastvec import FastTfidf
from feedback_ai.ml.features.featurizer import TOKEN_PATTERN
from feedback_ai.ml.heads.explain import top_terms

CORPUS = [
    "it would be great if i could export my reports as pdf",
    "the app crashes every time i attach a photo",
    "sso via okta please, our it team won't sign otherwise",
    "a b c d e",
    "naïve café déjà vu — ünïcödé",
    "[email] wrote twice about the [phone] number",
    "x",
    "",
    "   ",
    "tabs\tand\nnew lines  and   runs",
    "emoji 😀 in the middle 😀",
    "repeated repeated repeated repeated words words",
]
UNSEEN = ["completely unseen vocabulary zzqx", "pdf export export please", "", "ü"]


def _vectorizer(**kwargs) -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=False, sublinear_tf=True, dtype=np.float32, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token_pattern": TOKEN_PATTERN, "ngram_range": (1, 2)},
        {"token_pattern": TOKEN_PATTERN, "ngram_range": (1, 3)},
        {"analyzer": "char_wb", "ngram_range": (2, 5)},
        # min_n above the shortest padded word exercises sklearn's "short word counts once" rule.
        {"analyzer": "char_wb", "ngram_range": (4, 6)},
        {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2},
    ],
)
def test_fast_tfidf_equals_sklearn(kwargs: dict) -> None:
    vectorizer = _vectorizer(**kwargs).fit(CORPUS)
    fast = FastTfidf(vectorizer)
    assert fast.supported
    for texts in (CORPUS, UNSEEN, CORPUS[::-1] * 3):
        expected = vectorizer.transform(texts)
        got = fast.transform(texts)
        assert got.shape == expected.shape
        assert got.has_sorted_indices
        assert got.nnz == expected.nnz
        if expected.nnz:
            assert abs(got - expected).max() < 1e-6


def test_fast_tfidf_empty_batch() -> None:
    fast = FastTfidf(_vectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(CORPUS))
    assert fast.transform([]).shape == (0, len(fast.vectorizer.vocabulary_))


def test_unsupported_configuration_falls_back_to_sklearn() -> None:
    vectorizer = TfidfVectorizer(lowercase=True).fit(CORPUS)  # lower-casing is not replicated
    fast = FastTfidf(vectorizer)
    assert not fast.supported
    texts = ["The APP crashes"]
    assert abs(fast.transform(texts) - vectorizer.transform(texts)).max() < 1e-6


def test_token_ids_equal_the_tokenizer() -> None:
    model, _ = embeddings._load(str(embeddings.BUNDLED_EMBEDDINGS))
    texts = [
        *CORPUS,
        "Don't SHOUT: e-mail us @ support_team!!! v2.5.1 costs $1,200?",
        "supercalifragilisticexpialidocious " * 3,
        "a" * 150,  # over WordPiece's 100 characters per word: [UNK]
        "word " * 700,  # over the 512-token truncation
        "bell\x07char",
    ]
    expected = [e.ids for e in model.tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
    assert embeddings._token_ids(model, texts) == expected


def test_encode_matches_model2vec() -> None:
    model, _ = embeddings._load(str(embeddings.BUNDLED_EMBEDDINGS))
    texts = [t for t in CORPUS if t.strip()]
    reference = np.asarray(model.encode(texts, use_multiprocessing=False), dtype=np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    got = embeddings.encode(texts)
    # model2vec averages in float16; the cosine between the two is 1 to float16 precision.
    assert np.all(np.sum(got * reference, axis=1) > 0.9999)
    assert np.allclose(np.linalg.norm(embeddings.encode(["", "😀"]), axis=1), 0.0)


def test_top_terms_ranks_the_largest_pushes_per_row() -> None:
    X = sp.csr_matrix(
        np.array(
            [[0.5, 0.0, 0.2, 0.9, 0.3], [0.1, 0.4, 0.0, 0.0, 0.7], [0.0, 0.0, 0.0, 0.0, 1.0]],
            dtype=np.float32,
        )
    )
    coef = np.array([1.0, 2.0, -1.0, 0.5, 9.0])  # column 4 is not a word feature (n_word=4)
    words = top_terms(X, {"a": [0, 1, 2]}, {"a": coef}, ["w0", "w1", "w2", "w3"], n_word=4, k=2)
    assert [t.term for t in words[(0, "a")]] == ["w0", "w3"]  # 0.5 > 0.45; w2 pushes down
    assert [t.term for t in words[(1, "a")]] == ["w1", "w0"]
    assert words[(2, "a")] == []
    assert words[(0, "a")][0].weight == pytest.approx(0.5)
    assert top_terms(X, {"b": [1]}, {"b": None}, ["w0"] * 4, n_word=4) == {(1, "b"): []}


def test_parser_on_numpy_blas_parses_like_blis() -> None:
    import importlib

    from feedback_ai.ml.text.nlp import load_parser, spacy_package_name

    nlp = load_parser()
    ops = {
        (type(node.ops).__name__, node.ops.use_blis) for node in nlp.get_pipe("parser").model.walk()
    }
    assert ops == {("_SerialBlasOps", False)}
    reference = importlib.import_module(spacy_package_name()).load(exclude=["ner"])
    texts = [
        "It would be great if I could export my reports as PDF.",
        "Search returns nothing for ticket numbers with a leading zero, e.g. 004512.",
        "We need a read-only role that can see invoices but not edit customer records.",
    ]
    for doc, ref in zip(nlp.pipe(texts), reference.pipe(texts), strict=True):
        assert [(t.tag_, t.dep_, t.head.i) for t in doc] == [
            (t.tag_, t.dep_, t.head.i) for t in ref
        ]


# A table of 10 rows fills at once: later tokens are computed each time and must match too.
@pytest.mark.parametrize("max_rows", [50_000, 10])
def test_embedding_cache_gives_the_uncached_pipelines_vectors_and_parses(max_rows: int) -> None:
    import importlib

    from feedback_ai.ml.text.nlp import (
        _cache_token_embeddings,
        _use_numpy_gemm,
        load_parser,
        spacy_package_name,
    )
    from feedback_ai.ml.training.dataset import load_golden

    assert load_parser().get_pipe("tok2vec").model.layers[0].name == "cached_embed"
    module = importlib.import_module(spacy_package_name())
    reference, cached = (
        module.load(exclude=["ner"], disable=["attribute_ruler", "lemmatizer"]) for _ in range(2)
    )
    _use_numpy_gemm(reference)
    _use_numpy_gemm(cached)
    _cache_token_embeddings(cached, max_rows=max_rows)
    texts = [ex.text[:600] for ex in load_golden()]
    texts += ["x", "🔥", "A B", "naïve café déjà vu", "tabs\tand\nnew lines", "Okta SSO!!! pls"]
    expected = list(reference.pipe(texts, batch_size=64))
    # One text at a time first (a few new tokens per batch), then batches of cached and new tokens.
    for batch_size in (1, 64, 5):
        for doc, ref in zip(cached.pipe(texts, batch_size=batch_size), expected, strict=True):
            # OpenBLAS chooses kernels by matrix shape and CPU: on some CPUs (an AMD EPYC here) a
            # row's sums differ in the last bit with the batch it is computed in, so vectors match
            # to float32 rounding, and the parses exactly.
            np.testing.assert_allclose(
                doc.tensor, ref.tensor, rtol=1e-5, atol=1e-5, err_msg=doc.text
            )
            assert [(t.tag_, t.dep_, t.head.i) for t in doc] == [
                (t.tag_, t.dep_, t.head.i) for t in ref
            ]


def test_heads_score_like_sklearn() -> None:
    from feedback_ai.ml.heads.classify import MultiLabelHead, SingleLabelHead, _shifted
    from feedback_ai.ml.heads.linear import _decision

    rng = np.random.default_rng(0)
    X = sp.random(120, 40, density=0.2, format="csr", dtype=np.float32, random_state=1)
    kinds = [["bug", "praise", "question"][i % 3] for i in range(120)]
    Y = (rng.random((120, 4)) < 0.3).astype(np.int64)
    for y in (kinds, ["a" if i % 2 else "b" for i in range(120)]):  # multiclass and binary
        head = SingleLabelHead(cv=3).fit(X, y)
        expected = _shifted(head.calibrator_.predict_proba(_decision(head.svc_, X)), head.bias_)
        assert np.allclose(head.predict_proba(X), expected, atol=1e-12)
    themes = MultiLabelHead(cv=3).fit(X, Y, labels=["t0", "t1", "t2", "t3"])
    assert np.allclose(themes._decide(themes.ovr_, X), _decision(themes.ovr_, X), atol=1e-12)
    assert "_stacked_cache" not in themes.__getstate__()


def test_hash_table_finds_every_key_and_only_those() -> None:
    from feedback_ai.ml.features.hashing import HashTable, count_matrix

    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**63, 5000, dtype=np.int64)).astype(np.uint64)
    # Keys that differ only in high bits crowd the same home slots and force probing.
    keys = np.concatenate([keys, np.arange(64, dtype=np.uint64) << np.uint64(58)])
    values = np.arange(len(keys), dtype=np.int64)
    table = HashTable(keys, values)
    assert np.array_equal(table.lookup(keys), values)
    absent = np.setdiff1d(rng.integers(0, 2**63, 5000, dtype=np.int64).astype(np.uint64), keys)
    assert (table.lookup(absent) == -1).all()
    counts = count_matrix(np.array([1, 0, 1, 1]), np.array([2, 0, 2, 0]), shape=(3, 4))
    assert counts.toarray().tolist() == [[1, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    rows, cols = rng.integers(0, 50, 20_000), rng.integers(0, 300, 20_000)
    dense = np.zeros((60, 300), dtype=np.float32)
    np.add.at(dense, (rows, cols), 1.0)
    counts = count_matrix(rows, cols, shape=(60, 300))
    assert counts.has_sorted_indices and counts.nnz == np.count_nonzero(dense)
    assert np.array_equal(counts.toarray(), dense)


@pytest.mark.parametrize("n", [0, 1, 3, 40])
def test_hstack_rows_equals_scipy(n: int) -> None:
    from feedback_ai.ml.features.featurizer import hstack_rows

    rng = np.random.default_rng(n)
    sparse = sp.random(n, 30, density=0.2, format="csr", dtype=np.float32, random_state=n)
    if n:
        sparse[0, :] = 0.0  # an empty row in one block
    dense = rng.normal(size=(n, 7)).astype(np.float32)
    dense[dense < 0] = 0.0  # zeros the dense block must drop, as scipy does
    blocks = [sparse, dense, sp.random(n, 5, density=0.5, format="csr", dtype=np.float32)]
    fast = hstack_rows(blocks, n)
    slow = sp.hstack([sparse, sp.csr_matrix(dense), blocks[2]], format="csr", dtype=np.float32)
    assert fast.shape == slow.shape and fast.dtype == slow.dtype
    assert np.array_equal(fast.indptr, slow.indptr)
    assert np.array_equal(fast.indices, slow.indices)
    assert np.array_equal(fast.data, slow.data)


def test_count_matrix_small_and_large_paths_agree(monkeypatch) -> None:
    from feedback_ai.ml.features import hashing

    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 6, 500), rng.integers(0, 40, 500)
    small = hashing.count_matrix(rows, cols, shape=(8, 40))
    monkeypatch.setattr(hashing, "SMALL_COUNT", 0)
    large = hashing.count_matrix(rows, cols, shape=(8, 40))
    for attr in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(small, attr), getattr(large, attr))
