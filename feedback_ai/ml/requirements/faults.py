"""Sentences that report a defect rather than ask for something, made into "Fix ..." statements."""

from __future__ import annotations

from spacy.tokens import Token

from feedback_ai.ml.requirements.clauses import REPORTING, condition
from feedback_ai.ml.requirements.phrases import phrase, subtree_phrase, verb_statement
from feedback_ai.ml.requirements.wrappers import MODALS, WISH

# Verbs that describe a fault: the statement becomes "Fix ...".
_FAULT = {
    "crash", "fail", "break", "freeze", "hang", "stop", "error", "lag", "die", "disappear",
    "reset", "duplicate", "timeout", "glitch", "lose", "drop", "bug",
}  # fmt: skip
_REPAIRS = {"fix", "solve", "repair", "resolve", "sort"}
# What follows the verb of a described problem: its object, particle, place, manner.
_TAIL_DEPS = {"dobj", "prt", "prep", "acomp", "advmod", "neg", "attr", "dative", "oprd"}


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


def fault_statement(root: Token, verb: Token | None) -> str | None:
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
                # "the chart doesn't save dependency changes": what the verb fails on is the point.
                obj = next((c for c in token.children if c.dep_ == "dobj"), None)
                if obj is not None and not nothing and obj.pos_ in {"NOUN", "PROPN"}:
                    verb_word += " " + subtree_phrase(obj)
                # "returns nothing for ticket numbers": where it does nothing, on either word.
                held = [c for c in token.children if c.dep_ == "dobj" and c.lower_ == "nothing"]
                where = [
                    t
                    for head in (token, *held)
                    for c in head.children
                    if c.dep_ == "prep"
                    for t in c.subtree
                ]
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


def fix_subject(root: Token) -> str | None:
    """ "error please fix this", "bug please fix the bugs" -> "Fix error", "Fix bug"."""
    if root.lemma_.lower() not in _REPAIRS:
        return None
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "npadvmod", "dep"}), None)
    if subject is None or subject.i > root.i or subject.pos_ not in {"NOUN", "PROPN"}:
        return None
    return "Fix " + subtree_phrase(subject)


def described_problem(root: Token) -> str | None:
    """ "Global search times out if ..." -> "Fix global search timing out";
    "SLA timers keep running while ..." -> "Fix SLA timers running while ..."."""
    if root.pos_ != "VERB" or any(c.dep_ == "aux" and c.lower_ in MODALS for c in root.children):
        return None
    action: Token | None = root
    if root.lemma_.lower() == "keep":  # a behaviour that goes on: the ongoing verb is the problem
        action = next((c for c in root.children if c.dep_ == "xcomp" and c.tag_ == "VBG"), None)
        if action is not None and action.lemma_.lower() in REPORTING:  # "keeps saying X"
            return None
    elif root.lemma_.lower() in WISH | {"see", "have", "get", "add"}:
        return None
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if action is None or subject is None or subject.pos_ == "PRON":
        return None
    rest: list[Token] = []
    for child in (*root.children, *action.children):
        if child.i <= action.i or child is action:
            continue
        if child.dep_ in _TAIL_DEPS:
            rest.extend(child.subtree)
        else:
            rest.extend(condition(child))
    passive = any(c.dep_ == "auxpass" for c in action.children)
    verb = action.text.lower() if passive else _gerund(action.lemma_.lower())
    if passive:
        verb = "being " + verb
    tail = phrase(sorted(rest, key=lambda t: t.i))
    return " ".join(p for p in ("Fix", subtree_phrase(subject), verb, tail) if p)
