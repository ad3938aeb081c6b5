"""Tokens of a parse to the words of a statement, and the last tidy-up of the statement's text."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Token

from feedback_ai.ml.features.embeddings import BUNDLED_EMBEDDINGS
from feedback_ai.ml.requirements.clauses import condition

_DROP_WORDS = {
    "please", "pls", "plz", "also", "really", "just", "maybe", "somehow", "ever", "kindly",
}  # fmt: skip
_DETS = {"the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "some", "any", "this"}
_KEPT_PUNCT = {"/", "-", "&", "(", ")"}
MAX_WORDS = 10
_CLAUSE_DEPS = {
    "nsubj",
    "nsubjpass",
    "aux",
    "auxpass",
    "mark",
    "punct",
    "intj",
    "discourse",
    "cc",
    "expl",
}
# A statement does not end on a function word ("... but not", "Move on"): cut back to content.
_TRAILING = {
    "a", "an", "the", "my", "our", "your", "their", "its", "this", "these", "those", "that",
    "to", "of", "in", "on", "for", "with", "at", "by", "from", "into", "about", "as", "than",
    "and", "or", "but", "so", "if", "when", "while", "because", "though", "although", "whether",
    "which", "who", "what", "where", "how", "not", "only", "just", "also", "even", "very", "too",
    "then", "like", "is", "are", "was", "be", "been", "can", "could", "would", "should", "will",
    "i", "we", "you", "it", "they", "he", "she", "me", "us", "them", "there", "here", "now",
    "up", "out", "off", "over", "all", "any", "some", "no", "every", "each", "etc",
    "after", "before", "during", "within", "without", "via", "per", "through", "until", "since",
}  # fmt: skip
# Objects that point at something the statement does not name: "Add it", "Fix this".
_VAGUE = {"it", "this", "that", "these", "those", "them", "they", "he", "she", "him", "her",
          "me", "us", "you", "i", "something", "anything", "everything"}  # fmt: skip
# "Let me export X" asks for "Export X".
_ENABLERS = re.compile(r"^(?:let|allow|help|enable) (?:me|us)(?: to)? ", re.IGNORECASE)
_PARTICLES = {"up", "out", "on", "off", "in", "down", "back", "away"}
# Leading verbs that never make an imperative a PM would write.
_NOT_ACTIONS = {"be", "am", "is", "are", "was", "were", "have", "has", "had", "do", "does", "did"}


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Whole words of the bundled (uncased) tokenizer vocabulary: ~30k common English words."""
    try:
        vocab = json.loads((BUNDLED_EMBEDDINGS / "tokenizer.json").read_text())["model"]["vocab"]
    except (OSError, KeyError, ValueError):
        return frozenset()
    return frozenset(w for w in vocab if w.isalpha())


def _display(token: Token) -> str:
    """Sentence-initial capitals are not part of a name ("Keyboard shortcuts" -> "keyboard")."""
    text = token.text
    if (
        token.is_sent_start
        and text[:1].isupper()
        and text[1:].islower()
        and token.lower_ in _common_words()
    ):
        return token.lower_
    return text


def _hyphenated(token: Token) -> list[Token]:
    """The whole hyphenated word a token is part of ("e" -> "e", "-", "signature"), else []."""
    doc = token.doc
    start, end = token.i, token.i
    while start > 0 and not doc[start - 1].whitespace_:
        start -= 1
    while end + 1 < len(doc) and not doc[end].whitespace_:
        end += 1
    word = doc[start : end + 1]
    if end == start or not any(t.text == "-" for t in word):
        return []
    if not all(t.text == "-" or t.is_alpha or t.like_num for t in word):
        return []
    return list(word)


def whole_words(tokens: list[Token]) -> list[Token]:
    """The tokens, with each hyphenated word whole: a cheap parse often splits "co-editing" apart.

    A noun added after the last chosen part brings what it governs ("co-editing on briefs").
    """
    chosen = {t.i: t for t in tokens}
    for token in tokens:
        for part in _hyphenated(token):
            if part.i in chosen:
                continue
            chosen[part.i] = part
            if part.i > token.i and part.pos_ in {"NOUN", "PROPN"}:
                chosen.update({t.i: t for t in part.subtree if t.i > part.i})
    return [chosen[i] for i in sorted(chosen)]


def phrase(tokens: list[Token]) -> str:
    """The words of these tokens, without filler words, determiners and most punctuation."""
    tokens = whole_words(tokens)
    words: list[str] = []
    for i, token in enumerate(tokens):
        if i and token.i != tokens[i - 1].i + 1 and words and not words[-1].endswith(" "):
            words[-1] += " "  # a gap in the tokens (a clause left out) is a word break
        lower = token.lower_
        skip = lower in _DROP_WORDS or (token.is_punct and token.text not in _KEPT_PUNCT)
        skip = skip or (lower in _DETS and i + 1 < len(tokens) and token.dep_ in {"det", "poss"})
        skip = skip or (lower == "no" and token.dep_ == "det")
        glued = not token.whitespace_ and i + 1 < len(tokens) and tokens[i + 1].text == "-"
        skip = skip and not (token.is_alpha and glued)  # "no-show" stays whole
        if skip:
            if token.whitespace_ and words and not words[-1].endswith(" "):
                words[-1] += " "
            continue
        words.append(_display(token) + token.whitespace_)
        if len(words) >= MAX_WORDS:
            break
    return " ".join("".join(words).split())


def subtree_phrase(token: Token) -> str:
    """The phrase of a token's whole subtree."""
    return phrase(sorted(token.subtree, key=lambda t: t.i))


def capitalise(text: str) -> str:
    """First letter upper-case, the rest as written."""
    return text[:1].upper() + text[1:] if text else text


def _keys(word: str) -> list[str]:
    """The word's parts ("non-billable" -> "non", "billable"), without inflection endings."""
    keys = []
    for part in re.split(r"[-/]", word.lower().removesuffix("'s").removesuffix("’s")):
        part = part.strip("()&'\"")
        if len(part) > 4:
            part = re.sub(r"(ing|ed|s)$", "", part).removesuffix("e")
        keys.append(part)
    return [k for k in keys if k]


def _key(word: str) -> str:
    keys = _keys(word)
    return keys[-1] if keys else ""


def tidy(statement: str) -> str:
    """The statement a PM would read, or "" when there is none.

    Run-on parses repeat themselves ("Sign only sign"): the statement stops before the first
    repeated content word. Function words at the end go, brackets stay only in pairs, and a
    pronoun object with nothing it could stand for ("Add it") leaves no statement at all.
    """
    statement = _ENABLERS.sub("", statement.strip())
    words = statement.split()
    if not words or words[0].lower() in _NOT_ACTIONS:
        return ""
    # Spoken repairs ("a tool for, for survey management") leave the same word twice in a row.
    words = [w for i, w in enumerate(words) if i == 0 or w.lower() != words[i - 1].lower()]
    seen: set[str] = set()
    for n, word in enumerate(words):
        keys = [k for k in _keys(word) if k not in STOP_WORDS]
        if any(k in seen for k in keys):
            words = words[:n]
            break
        seen.update(keys)
    while len(words) > 1 and (words[-1].lower() in _TRAILING or words[-1].endswith(("-", "/"))):
        words.pop()
    text = " ".join(words)
    if text.count("(") != text.count(")") or "()" in text:
        text = " ".join(text.replace("(", "").replace(")", "").split())
    words = text.split()
    at = 2 if len(words) > 2 and words[1].lower() in _PARTICLES else 1
    if len(words) <= at or words[at].lower() in _VAGUE:
        return ""
    if all(_key(word) in STOP_WORDS for word in words[at:]):  # "Add more", "Download again"
        return ""
    return capitalise(text)


def verb_phrase(verb: Token) -> list[Token]:
    """The verb and what follows it: not its subject, adverbs before it, nor a second clause."""
    keep: list[Token] = []
    for child in verb.children:
        if child.i > verb.i and condition(child):
            keep.extend(condition(child))
            continue
        if child.dep_ in _CLAUSE_DEPS or child.dep_ in {"advcl", "neg", "parataxis"}:
            continue
        if child.i < verb.i or (child.dep_ == "conj" and child.pos_ in {"VERB", "AUX"}):
            continue
        keep.extend(child.subtree)
    return sorted([verb, *keep], key=lambda t: t.i)


def verb_statement(verb: Token) -> str:
    """The verb's lemma and the words that follow it ("exporting my reports" -> "export reports")."""
    # "re-authenticated the connector": the whole hyphenated verb, its last part lemmatised.
    parts = _hyphenated(verb) or [verb]
    tokens = [t for t in verb_phrase(verb) if t not in parts]
    # "if the feed could be filtered to my projects" -> "filter feed to projects"
    if any(c.dep_ == "auxpass" for c in verb.children):
        subject = [c for c in verb.children if c.dep_ == "nsubjpass" and c.pos_ != "PRON"]
        tokens = [t for c in subject for t in sorted(c.subtree, key=lambda t: t.i)] + tokens
    rest = phrase(tokens)
    last = parts[-1]
    lemma = "".join(t.text_with_ws for t in parts[:-1]) + (last.lemma_ or last.text)
    return f"{lemma.lower()} {rest}".strip()
