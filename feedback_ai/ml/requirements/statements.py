"""Turn a requirement sentence's dependency parse into a short imperative statement."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from feedback_ai.ml.requirements.patterns import (
    conditional,
    missing,
    object_statement,
    requested,
    slow_or_hard,
)
from feedback_ai.ml.requirements.phrases import phrase, subtree_phrase, tidy, verb_statement

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


def _content_verb(token: Token, depth: int = 0) -> Token | None:
    """Walk from a wrapper verb ("would love to", "it'd be great if") down to the asked-for action."""
    if depth > 4:
        return None
    if token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() not in _WISH:
        return token
    # "we need SSO before we can roll out": the object is the ask, not the trailing clause.
    has_object = any(c.dep_ == "dobj" and c.lower_ not in _AMOUNTS for c in token.children) or (
        _asked_for(token) is not None
    )
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


def _asked_for(token: Token) -> Token | None:
    """ "asked for a Salesforce integration", "looking for bulk edit" -> the noun asked for."""
    if token.lemma_.lower() not in _WISH | {"look", "wait", "beg", "push", "pray"}:
        return None
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ == "for":
            return next((g for g in child.children if g.pos_ in {"NOUN", "PROPN"}), None)
    return None


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
                if token.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in token.children):
                    return f"Fix {token.lower_} {subtree_phrase(subject)}"  # "Fix broken search"
                verb_word = "" if nothing else " " + _gerund(token.lemma_.lower())
                if negated:
                    verb_word = " not " + _gerund(token.lemma_.lower())
                where = [t for c in token.children if c.dep_ == "prep" for t in c.subtree]
                tail = phrase(sorted(where, key=lambda t: t.i)) if nothing else ""
                return " ".join(p for p in ("Fix", subtree_phrase(subject) + verb_word, tail) if p)
            if negated and token.pos_ == "VERB":  # "can't uninstall the app"
                return (
                    "Fix "
                    + _gerund(token.lemma_.lower())
                    + " "
                    + verb_statement(token)[len(token.lemma_) :].strip()
                )
    return None


# "It would help a lot": an amount, not the thing asked for.
_AMOUNTS = {"lot", "lots", "ton", "tons", "bunch", "much", "everything"}
_REPAIRS = {"fix", "solve", "repair", "resolve", "sort"}


def _fix_subject(root: Token) -> str | None:
    """ "error please fix this", "bug please fix the bugs" -> "Fix error", "Fix bug"."""
    if root.lemma_.lower() not in _REPAIRS:
        return None
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "npadvmod", "dep"}), None)
    if subject is None or subject.i > root.i or subject.pos_ not in {"NOUN", "PROPN"}:
        return None
    return "Fix " + subtree_phrase(subject)


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
    tail = phrase(sorted(rest, key=lambda t: t.i))
    return " ".join(p for p in ("Fix", subtree_phrase(subject), verb, tail) if p)


def make_statement(sent: Span | Doc) -> tuple[str, float]:
    """The imperative statement for a sentence, and how sure the rule is (0-1).

    ("", 0.0) when the sentence yields nothing a PM could act on (e.g. "Please fix it").
    """
    root = sent.root if isinstance(sent, Span) else next(iter(sent.sents)).root
    statement, confidence = _statement(sent, root)
    statement = tidy(statement)
    return (statement, confidence) if statement else ("", 0.0)


# "Corvid Analytics reports (that) X", "Bramble & Co are frustrated (that) X": X is the feedback.
_REPORTING = {
    "report", "say", "find", "mention", "note", "tell", "complain", "flag", "notice", "explain",
    "confirm", "write", "state", "claim", "point", "feel", "think",
}  # fmt: skip
_FEELINGS = {"frustrated", "annoyed", "upset", "unhappy", "confused", "worried", "surprised"}


def _reported(root: Token) -> Token:
    """The clause someone reports or is upset about, else the root itself."""
    for _ in range(2):
        holder = root
        if root.lemma_.lower() == "be":
            holder = next((c for c in root.children if c.lower_ in _FEELINGS), root)
        elif root.lemma_.lower() not in _REPORTING and root.lower_ not in _FEELINGS:
            return root
        clause = next(
            (c for c in holder.children if c.dep_ == "ccomp" and c.pos_ in {"VERB", "AUX"}), None
        )
        if clause is None:
            return root
        root = clause
    return root


# "love the app but it crashes ...", "great app but please add X": the mood comes first, and the
# clause after the contrast carries the defect or the ask.
_MOOD_VERBS = {"love", "like", "enjoy", "hate", "appreciate", "adore"}
_CONTRAST = {"but", "however", "though", "although", "except", "yet"}


def _past_the_mood(root: Token) -> Token:
    """The verb of the clause after a contrast word when the root only states a mood, else root."""
    mood = root.lemma_.lower() in _MOOD_VERBS or root.pos_ in {"ADJ", "NOUN", "PROPN"}
    if not mood:
        return root
    doc = root.doc
    contrast = next((t for t in doc[root.i + 1 :] if t.lower_ in _CONTRAST), None)
    if contrast is None:
        return root
    return next(
        (
            t
            for t in doc[contrast.i + 1 :]
            if t.pos_ in {"VERB", "AUX"} and t.dep_ in {"conj", "ROOT", "ccomp"}
        ),
        root,
    )


def _statement(sent: Span | Doc, root: Token) -> tuple[str, float]:
    root = _reported(_past_the_mood(root))
    for rule in (requested, conditional, missing, slow_or_hard):
        made = rule(sent, root)
        if made is not None:
            return made, 0.85
    if root.pos_ in {"NOUN", "PROPN"}:  # a fragment such as "Keyboard shortcuts please."
        return object_statement(sorted(root.subtree, key=lambda t: t.i)), 0.7
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if (
        root.lemma_.lower() in _BENEFIT
        and subject is not None
        and subject.pos_ in {"NOUN", "PROPN"}
        and any(c.dep_ == "aux" and c.lower_ in _MODALS for c in root.children)
    ):  # "Webhooks for invoice.paid would make my life easier"
        return "Add " + subtree_phrase(subject), 0.7
    repair = _fix_subject(root)
    if repair is not None:
        return repair, 0.7
    verb = _content_verb(root)
    fault = _fault_statement(root, verb)
    if fault is not None:
        return fault, 0.6
    problem = _described_problem(root)
    if problem is not None:
        return problem, 0.5
    lemma = verb.lemma_.lower() if verb is not None else ""
    if verb is not None and lemma in _WISH | {"see", "have", "get", "look", "wait"}:
        obj = next(
            (c for c in verb.children if c.dep_ in {"dobj", "attr"} and c.lower_ not in _AMOUNTS),
            None,
        )
        obj = obj if obj is not None else _asked_for(verb)
        action = _wrapped_action(obj)
        if action is not None:
            return verb_statement(action), 0.85
        if obj is not None:
            return object_statement(sorted(obj.subtree, key=lambda t: t.i)), 0.8
    if verb is None and root.lemma_.lower() in _WISH:  # "We need SAML single sign-on" mis-parsed
        tokens = [
            t
            for child in root.children
            if child.i > root.i and child.dep_ not in {"advcl", "punct", "mark", "cc"}
            for t in child.subtree
        ]
        if any(t.pos_ in {"NOUN", "PROPN"} for t in tokens):
            return object_statement(sorted(tokens, key=lambda t: t.i)), 0.6
    if verb is not None:
        statement = verb_statement(verb)
        if len(statement.split()) >= 2:
            return statement, 0.9
    for child in root.children:
        if child.dep_ in {"dobj", "attr", "nsubj"} and child.pos_ in {"NOUN", "PROPN"}:
            return "Add " + subtree_phrase(child), 0.5
    chunks = list(sent.noun_chunks) if sent.doc.has_annotation("DEP") else []
    if chunks:
        return "Add " + phrase(list(chunks[0])), 0.4
    return phrase(list(sent)), 0.3
