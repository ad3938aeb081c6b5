"""Words that wrap the real ask ("we need to...", "would love...", "the ability to...") and the walk
from them down to the action or the thing asked for."""

from __future__ import annotations

from spacy.tokens import Token

# Verbs that wrap the real ask ("we need to...", "would love to...") rather than being it.
WISH = {
    "want", "need", "like", "love", "wish", "hope", "require", "request", "expect", "prefer",
    "appreciate", "ask", "suggest", "be", "would", "mean", "plan", "try", "seem", "help", "keep",
    "start", "continue",
}  # fmt: skip
MODALS = {"would", "could", "should", "can", "will", "might", "may", "'d", "must"}
# "It would help a lot": an amount, not the thing asked for.
AMOUNTS = {"lot", "lots", "ton", "tons", "bunch", "much", "everything"}
# Nouns that wrap the asked-for action, singular and plural (nouns are not lemmatised).
_WRAPPERS = {
    "ability", "abilities", "option", "options", "way", "ways",
    "possibility", "possibilities", "feature", "features",
}  # fmt: skip


def content_verb(token: Token, depth: int = 0) -> Token | None:
    """Walk from a wrapper verb ("would love to", "it'd be great if") down to the asked-for action."""
    if depth > 4:
        return None
    if token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() not in WISH:
        return token
    # "we need SSO before we can roll out": the object is the ask, not the trailing clause.
    has_object = any(c.dep_ == "dobj" and c.lower_ not in AMOUNTS for c in token.children) or (
        asked_for(token) is not None
    )
    has_clause = any(c.dep_ in {"xcomp", "ccomp"} and c.pos_ == "VERB" for c in token.children)
    if token.lemma_.lower() != "be" and has_object and not has_clause:
        return token
    for child in token.children:
        if child.dep_ in {"xcomp", "ccomp", "advcl", "acl", "relcl", "conj"} and child.pos_ in {
            "VERB",
            "AUX",
        }:
            found = content_verb(child, depth + 1)
            if found is not None:
                return found
    for child in token.children:
        if child.dep_ in {"attr", "acomp", "dobj", "nsubj"}:
            for grand in child.children:
                if (
                    grand.dep_ in {"acl", "relcl", "xcomp", "ccomp", "advcl"}
                    and grand.pos_ == "VERB"
                ):
                    found = content_verb(grand, depth + 1)
                    if found is not None:
                        return found
    return None


def asked_for(token: Token) -> Token | None:
    """ "asked for a Salesforce integration", "looking for bulk edit" -> the noun asked for."""
    if token.lemma_.lower() not in WISH | {"look", "wait", "beg", "push", "pray"}:
        return None
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ == "for":
            return next((g for g in child.children if g.pos_ in {"NOUN", "PROPN"}), None)
    return None


def wrapped_action(obj: Token | None) -> Token | None:
    """ "the ability/option/way to set X" -> the verb "set"."""
    if obj is None or obj.lower_ not in _WRAPPERS:
        return None
    return next((c for c in obj.children if c.dep_ in {"acl", "relcl"} and c.pos_ == "VERB"), None)
