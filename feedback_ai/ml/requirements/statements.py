"""Turn a requirement sentence's dependency parse into a short imperative statement."""

from __future__ import annotations

import json
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from feedback_ai.ml.features.embeddings import BUNDLED_EMBEDDINGS

# Verbs that wrap the real ask ("we need to...", "would love to...") rather than being it.
_WISH = {
    "want",
    "need",
    "like",
    "love",
    "wish",
    "hope",
    "require",
    "request",
    "expect",
    "prefer",
    "appreciate",
    "ask",
    "suggest",
    "be",
    "would",
    "mean",
    "plan",
    "try",
    "seem",
    "help",
    "keep",
    "start",
    "continue",
}
# Verbs that describe a fault: the statement becomes "Fix ...".
_FAULT = {
    "crash",
    "fail",
    "break",
    "freeze",
    "hang",
    "stop",
    "error",
    "lag",
    "die",
    "disappear",
    "reset",
    "duplicate",
    "timeout",
    "glitch",
    "lose",
    "drop",
    "bug",
}
_DROP_DEPS = {
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
_DROP_WORDS = {
    "please",
    "pls",
    "plz",
    "also",
    "really",
    "just",
    "maybe",
    "somehow",
    "ever",
    "kindly",
}
_DETS = {"the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "some", "any", "this"}
_MAX_WORDS = 10


def _content_verb(token: Token, depth: int = 0) -> Token | None:
    """Walk from a wrapper verb ("would love to", "it'd be great if") down to the asked-for action."""
    if depth > 4:
        return None
    if token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() not in _WISH:
        return token
    # "we need SSO before we can roll out": the object is the ask, not the trailing clause.
    has_object = any(c.dep_ == "dobj" for c in token.children)
    has_clause = any(c.dep_ in {"xcomp", "ccomp"} and c.pos_ == "VERB" for c in token.children)
    if token.lemma_.lower() != "be" and has_object and not has_clause:
        return token
    for child in token.children:
        if child.dep_ in {"xcomp", "ccomp", "advcl", "acl", "relcl", "conj"} and child.pos_ in {
            "VERB",
            "AUX",
        }:
            found = _content_verb(child, depth + 1)
            if found is not None:
                return found
    for child in token.children:
        if child.dep_ in {"attr", "acomp", "dobj", "nsubj"}:
            for grand in child.children:
                if (
                    grand.dep_ in {"acl", "relcl", "xcomp", "ccomp", "advcl"}
                    and grand.pos_ == "VERB"
                ):
                    found = _content_verb(grand, depth + 1)
                    if found is not None:
                        return found
    return None


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


def _phrase(tokens: list[Token]) -> str:
    words: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower_
        skip = lower in _DROP_WORDS or (token.is_punct and token.text not in {"/", "-", "&"})
        skip = skip or (lower in _DETS and i + 1 < len(tokens) and token.dep_ in {"det", "poss"})
        if skip:
            if token.whitespace_ and words and not words[-1].endswith(" "):
                words[-1] += " "
            continue
        words.append(_display(token) + token.whitespace_)
        if len(words) >= _MAX_WORDS:
            break
    return " ".join("".join(words).split())


def _verb_phrase(verb: Token) -> list[Token]:
    keep: list[Token] = []
    for child in verb.children:
        if child.dep_ in _DROP_DEPS or child.dep_ == "advcl" or child.dep_ == "neg":
            continue
        keep.extend(child.subtree)
    return sorted([verb, *keep], key=lambda t: t.i)


# Nouns that wrap the asked-for action, singular and plural (nouns are not lemmatised).
_WRAPPERS = {
    "ability", "abilities", "option", "options", "way", "ways",
    "possibility", "possibilities", "feature", "features",
}  # fmt: skip


def _wrapped_action(obj: Token | None) -> Token | None:
    """ "the ability/option/way to set X" -> the verb "set"."""
    if obj is None or obj.lower_ not in _WRAPPERS:
        return None
    return next((c for c in obj.children if c.dep_ in {"acl", "relcl"} and c.pos_ == "VERB"), None)


def _verb_statement(verb: Token) -> str:
    words = _phrase(_verb_phrase(verb))
    lemma = verb.lemma_.lower() if verb.lemma_ else verb.lower_
    rest = words[len(verb.text) :].strip() if words.lower().startswith(verb.lower_) else words
    return f"{lemma} {rest}".strip()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _object_phrase(token: Token) -> str:
    return _phrase(sorted(token.subtree, key=lambda t: t.i))


def _gerund(lemma: str) -> str:
    if lemma.endswith("ie"):
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye")) and len(lemma) > 2:
        return lemma[:-1] + "ing"
    if (
        len(lemma) >= 3
        and lemma[-1] in "bdgmnpt"
        and lemma[-2] in "aeiou"
        and lemma[-3] not in "aeiou"
    ):
        return lemma + lemma[-1] + "ing"
    return lemma + "ing"


def _fault_statement(root: Token, verb: Token | None) -> str | None:
    """ "Sync keeps failing" / "the button does nothing" / "X doesn't load" -> "Fix ..."."""
    for token in (t for t in (verb, root) if t is not None):
        negated = any(c.dep_ == "neg" for c in token.children)
        nothing = any(c.dep_ == "dobj" and c.lower_ == "nothing" for c in token.children)
        if token.lemma_.lower() in _FAULT or negated or nothing:
            subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            if subject is None and token is not root:
                subject = next(
                    (c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}), None
                )
            if subject is not None and subject.pos_ != "PRON":
                verb_word = "" if nothing else " " + _gerund(token.lemma_.lower())
                if negated:
                    verb_word = " not " + _gerund(token.lemma_.lower())
                return _capitalise("Fix " + _object_phrase(subject) + verb_word)
    return None


_MODALS = {"would", "could", "should", "can", "will", "might", "may", "'d", "must"}
_BENEFIT = {"make", "help", "save", "fix", "be", "solve", "change", "improve"}


def _described_problem(root: Token) -> str | None:
    """ "Global search times out if ..." -> "Fix global search timing out"."""
    if root.pos_ != "VERB" or root.lemma_.lower() in _WISH | {"see", "have", "get", "add"}:
        return None
    if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in root.children):
        return None
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or subject.pos_ == "PRON":
        return None
    rest: list[Token] = []
    for child in root.children:
        if (
            child.dep_
            in {"dobj", "prt", "prep", "acomp", "advmod", "neg", "attr", "dative", "oprd"}
            and child.i > root.i
        ):
            rest.extend(child.subtree)
    passive = any(c.dep_ == "auxpass" for c in root.children)
    verb = root.text.lower() if passive else _gerund(root.lemma_.lower())
    if passive:
        verb = "being " + verb
    tail = _phrase(sorted(rest, key=lambda t: t.i))
    return " ".join(p for p in ("Fix", _object_phrase(subject), verb, tail) if p)


def make_statement(sent: Span | Doc) -> tuple[str, float]:
    """The imperative statement for a sentence, and how sure the rule is (0-1)."""
    root = sent.root if isinstance(sent, Span) else next(iter(sent.sents)).root
    if root.pos_ in {"NOUN", "PROPN"}:  # a fragment such as "Keyboard shortcuts please."
        return _capitalise("Add " + _object_phrase(root)), 0.7
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if (
        root.lemma_.lower() in _BENEFIT
        and subject is not None
        and subject.pos_ in {"NOUN", "PROPN"}
        and any(c.dep_ == "aux" and c.lower_ in _MODALS for c in root.children)
    ):  # "Webhooks for invoice.paid would make my life easier"
        return _capitalise("Add " + _object_phrase(subject)), 0.7
    verb = _content_verb(root)
    fault = _fault_statement(root, verb)
    if fault is not None:
        return fault, 0.6
    problem = _described_problem(root)
    if problem is not None:
        return _capitalise(problem), 0.5
    lemma = verb.lemma_.lower() if verb is not None else ""
    if verb is not None and lemma in _WISH | {"see", "have", "get"}:
        obj = next((c for c in verb.children if c.dep_ in {"dobj", "attr"}), None)
        action = _wrapped_action(obj)
        if action is not None:
            return _capitalise(_verb_statement(action)), 0.85
        if obj is not None:
            return _capitalise("Add " + _object_phrase(obj)), 0.8
    if verb is not None:
        statement = _verb_statement(verb)
        if len(statement.split()) >= 2:
            return _capitalise(statement), 0.9
    for child in root.children:
        if child.dep_ in {"dobj", "attr", "nsubj"} and child.pos_ in {"NOUN", "PROPN"}:
            return _capitalise("Add " + _object_phrase(child)), 0.5
    chunks = list(sent.noun_chunks) if sent.has_annotation("DEP") else []
    if chunks:
        return _capitalise("Add " + _phrase(list(chunks[0]))), 0.4
    return _capitalise(_phrase(list(sent))), 0.3
