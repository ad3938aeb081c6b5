"""Sentence shapes whose ask is not where the generic rules look: an explicit request inside a longer
sentence, a deal condition, something missing, something too slow or too hard."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from feedback_ai.ml.requirements.faults import REPAIRS
from feedback_ai.ml.requirements.phrases import phrase, subtree_phrase, verb_statement

# Words that may come before the verb of a request: "Please add", "Also, could you add".
_LEAD_IN = {
    "please", "pls", "plz", "also", "just", "kindly", "so", "and", "but", "then", "oh", "hey",
    "hi", "ok", "okay", "honestly", "seriously", "guys", "team",
}  # fmt: skip
_REQUEST_MODALS = {"can", "could", "would", "will"}
_PLEASE = {"please", "pls", "plz", "kindly"}
# What a verb after "please" must have for it to carry the ask: an object, a particle, a place.
_ASKED_DEPS = {"dobj", "xcomp", "ccomp", "prep", "prt", "dative", "attr", "oprd"}
_NOT_OBJECTS = {"asap", "soon", "now", "please", "pls", "plz"}  # "please fix asap"
# Base-form verbs at the start of a sentence that are not what the writer asks to be done.
_NOT_REQUESTS = {
    "thank", "love", "like", "hate", "keep", "want", "need", "hope", "wish", "wonder", "guess",
    "mean", "see", "say", "know", "think", "be", "have", "do", "get", "let",
}  # fmt: skip
# "will only sign if we support X": the condition is the ask.
_DEALS = {
    "sign", "buy", "renew", "commit", "move", "expand", "upgrade", "roll", "switch", "proceed",
    "purchase", "stay", "go", "close", "convert", "extend", "continue", "consider", "adopt",
    "pay", "migrate", "deploy", "launch",
}  # fmt: skip
_CONDITIONS = {"if", "unless", "once", "until"}
_OFFER = {"have", "get", "offer", "provide", "add", "build", "ship", "release"}
# Capabilities one supports rather than adds: "Support SAML single sign-on with Okta".
_SUPPORTED = {
    "saml", "scim", "oauth", "openid", "ldap", "residency", "format", "formats", "language",
    "languages", "locale", "locales", "currency", "currencies", "timezone", "timezones", "browser",
    "browsers", "protocol", "protocols", "standard", "standards", "rtl",
}  # fmt: skip
_SLOW = {"slow", "slower", "sluggish", "laggy"}
_HARD = {"confusing", "complicated", "hard", "difficult", "clunky", "cumbersome", "unintuitive"}
_DURATIONS = {
    "second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours",
    "forever", "ages", "age", "days",
}  # fmt: skip


def object_statement(tokens: list[Token]) -> str:
    """ "Add <object>", or "Support <object>" for standards, formats and languages."""
    words = {t.lower_ for t in tokens}
    text = phrase(tokens)
    supported = bool(words & _SUPPORTED) or "sign-on" in text.lower()
    return ("Support " if supported else "Add ") + text


def requested(sent: Span | Doc, root: Token) -> str | None:
    """ "Please add X - our team requires it", "Can you add X?": the verb the writer asks for."""
    tokens = list(sent)
    verb = None
    for i, token in enumerate(tokens):
        lower = token.lower_
        if token.is_punct or lower in _LEAD_IN or token.dep_ == "intj":
            continue
        if lower in _REQUEST_MODALS and i + 1 < len(tokens) and tokens[i + 1].lower_ == "you":
            continue
        if lower == "you" and i > 0 and tokens[i - 1].lower_ in _REQUEST_MODALS:
            continue
        if token.tag_ == "VB" and token.pos_ == "VERB":
            verb = token
        break
    if verb is not None and verb.lemma_.lower() in _NOT_REQUESTS:
        verb = None  # "Love the app, please add dark mode": the mood is not the request
    # "Good app but PLEASE add dark mode", "great app pls bring back the old layout": a base-form
    # verb right after "please" is the request wherever it stands. The cheap parse often hangs a
    # subject on it ("app", or "pls" itself), so that verb's subject is not checked.
    pleaded = None
    if verb is None:
        pleaded = next(
            (
                t
                for t in tokens[1:]
                if t.tag_ == "VB"
                and t.pos_ == "VERB"
                and tokens[t.i - tokens[0].i - 1].lower_ in _PLEASE
            ),
            None,
        )
        verb = pleaded
    if verb is None or verb.lemma_.lower() in _NOT_REQUESTS:
        return None
    if verb is pleaded:
        if any(c.dep_ == "dobj" and c.pos_ in {"PRON", "DET"} for c in verb.children):
            return None  # "error please fix this": what "this" is comes from elsewhere
        if verb.lemma_.lower() in REPAIRS and any(
            c.dep_ == "nsubj" and c.pos_ in {"NOUN", "PROPN"} for c in verb.children
        ):
            return None  # "bug please fix ...": the subject is what to fix (faults.fix_subject)
        if not any(c.dep_ in _ASKED_DEPS and c.lower_ not in _NOT_OBJECTS for c in verb.children):
            return None  # "please fix asap", "can the developers please fix??": said elsewhere
    elif any(c.dep_ in {"nsubj", "nsubjpass"} and c.lower_ != "you" for c in verb.children):
        return None
    return verb_statement(verb)


def conditional(sent: Span | Doc, root: Token) -> str | None:
    """ "will only sign if we support X" -> "Support X"; "won't move past 40 seats without SSO"."""
    for verb in (t for t in sent if t.pos_ == "VERB" and t.lemma_.lower() in _DEALS):
        for child in verb.children:
            if child.dep_ == "advcl" and any(
                m.dep_ == "mark" and m.lower_ in _CONDITIONS for m in child.children
            ):
                subject = next((c for c in child.children if c.dep_ == "nsubj"), None)
                if subject is None or subject.lower_ in {"we", "you"}:
                    return _offered(child)
            if child.dep_ == "prep" and child.lower_ == "without":
                negated = any(c.dep_ == "neg" for c in verb.children)
                tokens = [t for t in child.subtree if t.i > child.i]
                if negated and any(t.pos_ in {"NOUN", "PROPN"} for t in tokens):
                    return object_statement(tokens)
    return None


def _offered(verb: Token) -> str | None:
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if verb.lemma_.lower() in _OFFER and obj is not None:
        return object_statement(sorted(obj.subtree, key=lambda t: t.i))
    return verb_statement(verb)


def missing(sent: Span | Doc, root: Token) -> str | None:
    """ "Missing: an API endpoint to create invoices", "the lack of X" -> "Add ..."."""
    for token in sent:
        lower = token.lower_
        if lower in {"missing", "lacking"} and token.pos_ in {"VERB", "ADJ"}:
            obj = next((c for c in token.children if c.dep_ == "dobj"), None)
            if obj is not None:
                return "Add " + subtree_phrase(obj)
            holder = token.head if token.dep_ == "acomp" else token
            subject = next((c for c in holder.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            if subject is not None and subject.pos_ in {"NOUN", "PROPN"}:
                return "Add " + subtree_phrase(subject)
        if lower == "lack" and token.pos_ == "NOUN":
            of = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            if of is not None:
                return "Add " + phrase([t for t in token.subtree if t.i > of.i])
    return None


def slow_or_hard(sent: Span | Doc, root: Token) -> str | None:
    """ "the search is really slow with large projects" -> "Speed up search with large projects"."""
    lemma = root.lemma_.lower()
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if subject is None or subject.pos_ not in {"NOUN", "PROPN"}:
        return None
    if lemma == "take":  # "the import is taking 40+ minutes"
        spans = [c for c in root.children if c.dep_ in {"dobj", "npadvmod", "attr", "advmod"}]
        if any(t.lower_ in _DURATIONS for c in spans for t in c.subtree):
            return "Speed up " + subtree_phrase(subject)
        return None
    adjective = next((c for c in root.children if c.dep_ == "acomp"), None)
    if lemma != "be" or adjective is None:
        return None
    if adjective.lower_ in _SLOW:
        verb = "Speed up"
    elif adjective.lower_ in _HARD:
        verb = "Simplify"
    else:
        return None
    tail = [t for c in adjective.children if c.dep_ == "prep" for t in c.subtree]
    tail += [t for c in root.children if c.dep_ == "prep" and c.i > adjective.i for t in c.subtree]
    rest = phrase(sorted(tail, key=lambda t: t.i))
    return " ".join(p for p in (verb, subtree_phrase(subject), rest) if p)
