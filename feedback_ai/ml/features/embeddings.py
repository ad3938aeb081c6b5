"""Static sentence embeddings (model2vec, distilled from all-MiniLM-L6-v2) bundled with the package."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from feedback_ai.errors import ArtifactError

BUNDLED_EMBEDDINGS = (
    Path(__file__).resolve().parents[2] / "data" / "embeddings" / "minilm-l6-static-256"
)


def embeddings_fingerprint(path: Path = BUNDLED_EMBEDDINGS) -> str:
    """sha256 over the embedding folder's files, so an artifact knows which vectors it was fit on."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=2)
def _load(path: str):
    from model2vec import StaticModel

    if not Path(path, "config.json").exists():
        raise ArtifactError(
            f"Static embeddings not found at {path}. Reinstall feedback-ai, or train with "
            "`--no-embeddings` to use TF-IDF features only."
        )
    model = StaticModel.from_pretrained(path)
    if model.max_length is not None:
        model.tokenizer.enable_truncation(model.max_length)
    # float32 once: float16 arithmetic is emulated in numpy and was most of the encode time.
    table = np.asarray(model.embedding, dtype=np.float32)
    return model, table


def _mean_pool(model, table: np.ndarray, texts: list[str]) -> np.ndarray:
    """Mean of each text's token vectors (model2vec's own pooling), as one sparse product."""
    if model.max_length is not None:  # model2vec's character cut before tokenizing
        cut = model.max_length * model.median_token_length
        texts = [t[:cut] for t in texts]
    ids = _token_ids(model, texts)
    if model.unk_token_id is not None:
        unk = model.unk_token_id
        ids = [[i for i in row if i != unk] if unk in row else row for row in ids]
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
    pooling = sp.csr_matrix((weights, flat, indptr), shape=(len(ids), table.shape[0]))
    return np.asarray(pooling @ table, dtype=np.float32)


# BERT's uncased pre-tokenisation of plain ASCII: runs of letters/digits, each other character alone.
_ASCII_PIECES = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\t\n\r]")  # control characters and anything non-ASCII
_MAX_CACHED_WORDS = 200_000


def _token_ids(model, texts: list[str]) -> list[list[int]]:
    """WordPiece ids of each text, equal to the model's tokenizer with truncation.

    The Rust tokenizer costs ~35 us a text; for plain ASCII text the same ids come from a regex
    split and a per-word cache of WordPiece ids. Anything else goes to the tokenizer itself.
    """
    cache = _word_cache(model)
    tokenizer = model.tokenizer
    limit = model.max_length
    out: list[list[int]] = [[] for _ in texts]
    hard = [i for i, text in enumerate(texts) if _NOT_PLAIN.search(text)]
    for i, encoding in zip(
        hard,
        tokenizer.encode_batch_fast([texts[i] for i in hard], add_special_tokens=False),
        strict=True,
    ):
        out[i] = encoding.ids
    skip = set(hard)
    for i, text in enumerate(texts):
        if i in skip:
            continue
        ids: list[int] = []
        for word in _ASCII_PIECES.findall(text.lower()):
            pieces = cache.get(word)
            if pieces is None:
                if len(cache) > _MAX_CACHED_WORDS:
                    cache.clear()
                pieces = cache[word] = tokenizer.encode(word, add_special_tokens=False).ids
            ids.extend(pieces)
        out[i] = ids[:limit] if limit is not None else ids
    return out


@lru_cache(maxsize=2)
def _word_cache(model) -> dict[str, list[int]]:
    return {}


def encode(texts: list[str], *, path: Path = BUNDLED_EMBEDDINGS) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text."""
    model, table = _load(str(path))
    if model.token_mapping is None and model.weights is None:
        vectors = _mean_pool(model, table, texts)
    else:
        vectors = np.asarray(
            model.encode(texts, show_progress_bar=False, use_multiprocessing=False),
            dtype=np.float32,
        )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
