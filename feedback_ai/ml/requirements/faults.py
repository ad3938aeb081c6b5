"""Sentences that report a defect rather than ask for something, made into "Fix ..." statements."""

from __future__ import annotations

import re

from spacy.tokens import Token

from feedback_ai.ml.requirements.clauses import REPORTING, condition
from feedback_ai.ml.requirements.phrases import phrase, subtree_phrase, verb_statement
from feedback_ai.ml.requirements.wrappers import MODALS, WISH

# Verbs that describe a fault: the statement becomes "Fix ...".
_FAULT = {
    "crash", "fail", "break", "freeze", "hang", "stop", "error", "lag", "die", "disappear",
    "reset", "duplicate", "timeout", "glitch", "lose", "drop", "bug",
}  # fmt: skip
REPAIRS = {"fix", "solve", "repair", "resolve", "sort"}
# What follows the verb of a described problem: its object, particle, place, manner.
_TAIL_DEPS = {"dobj", "prt", "prep", "acomp", "advmod", "neg", "attr", "dative", "oprd"}


# Two-syllable verbs stressed on the end double their last consonant like one-syllable ones.
_DOUBLED = {"submit", "admit", "commit", "permit", "omit", "refer", "prefer", "occur", "begin",
            "forget", "regret", "control", "upset", "compel", "rebut"}  # fmt: skip


def _gerund(lemma: str) -> str:
    if lemma.endswith("ie"):
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye")) and len(lemma) > 2:
        return lemma[:-1] + "ing"
    # "stop" -> "stopping", but "open" -> "opening", "edit" -> "editing": only a stressed last
    # syllable doubles, which in short verbs means a single vowel group.
    one_syllable = len(re.findall(r"[aeiouy]+", lemma)) == 1
    if (
        (one_syllable or lemma in _DOUBLED)
        and len(lemma) >= 3
        and lemma[-1] in "bdgmnprt"
        and lemma[-2] in "aeiou"
        and lemma[-3] not in "aeiou"
    ):
        return lemma + lemma[-1] + "ing"
    return lemma + "ing"


def fault_noun(root: Token) -> str | None:
    """ "Crashes constantly.", "error connecting to server fix it" -> "Fix crashes constantly",
    "Fix error connecting to server": a fragment that names a fault, with what qualifies it."""
    if root.pos_ not in {"NOUN", "PROPN"} or fault_word(root.lower_) is None:
        return None
    kept = [
        t
        for c in root.children
        if c.i < root.i or c.dep_ in {"prep", "acl", "advmod", "compound", "amod"}
        for t in c.subtree
    ]
    return "Fix " + phrase(sorted([root, *kept], key=lambda t: t.i))


def fault_word(word: str) -> str | None:
    """ "crashes", "bugs", "glitch" -> "crash", "bug", "glitch": the fault a word names, if any
    (only verbs are lemmatised here, and the cheap parse often tags "crashes" a noun)."""
    word = word.lower()
    for base in (word, word[:-2] if word.endswith("es") else "", word[:-1]):
        if base in _FAULT:
            return base
    return None


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
                # "the app freezes when I scroll the feed": what the writer did is the repro step.
                triggers = [_trigger(c) for c in token.children if c.dep_ == "advcl"]
                tail = " ".join(p for p in (tail, *triggers) if p)
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
    if root.lemma_.lower() not in REPAIRS:
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


_WRITERS = {"i", "we", "you"}


def subjectless_fault(root: Token) -> str | None:
    """ "freezes up a lot", "it crashes on startup", "keeps crashing when I open a PDF" ->
    "Fix freezing up", "Fix crashing on startup", "Fix crashing when opening PDF".

    Reviews drop the subject or say "it" for the app: the fault and where it happens are the
    point, and the verb must not become an imperative ("Crash on startup").
    """
    if root.pos_ != "VERB" or root.tag_ == "VB":
        return None
    if any(c.dep_ == "aux" and c.lower_ in MODALS for c in root.children):
        return None
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is not None and subject.pos_ != "PRON":
        return None
    action: Token | None = root
    if root.lemma_.lower() == "keep":
        action = next((c for c in root.children if c.dep_ == "xcomp" and c.tag_ == "VBG"), None)
    if action is None or action.lemma_.lower() not in _FAULT:
        return None
    stopped = next((c for c in action.children if c.dep_ == "xcomp" and c.tag_ == "VBG"), None)
    if action.lemma_.lower() == "stop" and stopped is not None:  # "stopped getting notifications"
        return "Fix not " + phrase(list(stopped.subtree))
    rest: list[str] = []
    children = {c.i: c for c in (*root.children, *action.children)}  # the same when action is root
    for child in sorted(children.values(), key=lambda t: t.i):
        if child is action or child.i <= action.i:
            continue
        also = fault_word(child.lemma_ if child.pos_ == "VERB" else child.lower_)
        if child.dep_ == "conj" and also is not None:
            rest.append("and " + _gerund(also))  # "it freezes and crashes"
        elif child.dep_ in {"prt", "prep"}:
            rest.append(phrase(list(child.subtree)))
        elif child.dep_ == "advcl":
            rest.append(_trigger(child))
        elif child.dep_ == "npadvmod" and any(t.pos_ == "VERB" for t in child.subtree):
            rest.append(phrase(list(child.subtree)))  # "every time I open a PDF", not "a lot"
    return " ".join(p for p in ("Fix", _gerund(action.lemma_.lower()), *rest) if p)


def _trigger(clause: Token) -> str:
    """ "when I open a PDF" -> "when opening PDF": what the writer did when the fault happened."""
    held = condition(clause)
    if held:  # a condition on a product thing ("when the sync runs") reads as written
        return phrase(held)
    mark = next(
        (c for c in clause.children if c.dep_ in {"mark", "advmod"} and c.i < clause.i), None
    )
    subject = next((c for c in clause.children if c.dep_ == "nsubj"), None)
    if mark is None or mark.lower_ not in {"when", "whenever", "after", "while"}:
        return ""
    if subject is None or subject.lower_ not in _WRITERS or clause.pos_ != "VERB":
        return ""
    tail = [t for c in clause.children if c.i > clause.i for t in c.subtree]
    return " ".join(p for p in (mark.lower_, _gerund(clause.lemma_.lower()), phrase(tail)) if p)
