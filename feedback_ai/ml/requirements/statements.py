"""Turn a requirement sentence's dependency parse into a short imperative statement."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from feedback_ai.ml.requirements.clauses import past_the_mood, reported, stated_ask
from feedback_ai.ml.requirements.faults import (
    described_problem,
    fault_noun,
    fault_statement,
    fix_subject,
    subjectless_fault,
)
from feedback_ai.ml.requirements.patterns import (
    conditional,
    missing,
    object_statement,
    requested,
    slow_or_hard,
)
from feedback_ai.ml.requirements.phrases import phrase, subtree_phrase, tidy, verb_statement
from feedback_ai.ml.requirements.wrappers import (
    AMOUNTS,
    MODALS,
    WISH,
    asked_for,
    content_verb,
    wrapped_action,
)

# "Webhooks for invoice.paid would make my life easier": a benefit of the subject, which is the ask.
_BENEFIT = {"make", "help", "save", "fix", "be", "solve", "change", "improve"}


def make_statement(sent: Span | Doc) -> tuple[str, float]:
    """The imperative statement for a sentence, and how sure the rule is (0-1).

    ("", 0.0) when the sentence yields nothing a PM could act on (e.g. "Please fix it").
    """
    root = sent.root if isinstance(sent, Span) else next(iter(sent.sents)).root
    statement, confidence = _statement(sent, root)
    statement = tidy(statement)
    return (statement, confidence) if statement else ("", 0.0)


def _statement(sent: Span | Doc, root: Token) -> tuple[str, float]:
    root = stated_ask(reported(past_the_mood(root)))
    for rule in (requested, conditional, missing, slow_or_hard):
        made = rule(sent, root)
        if made is not None:
            return made, 0.85
    fault = fault_noun(root)
    if fault is not None:
        return fault, 0.6
    if root.pos_ in {"NOUN", "PROPN"}:  # a fragment such as "Keyboard shortcuts please."
        return object_statement(sorted(root.subtree, key=lambda t: t.i)), 0.7
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if (
        root.lemma_.lower() in _BENEFIT
        and subject is not None
        and subject.pos_ in {"NOUN", "PROPN"}
        and any(c.dep_ == "aux" and c.lower_ in MODALS for c in root.children)
    ):  # "Webhooks for invoice.paid would make my life easier"
        return "Add " + subtree_phrase(subject), 0.7
    repair = fix_subject(root)
    if repair is not None:
        return repair, 0.7
    verb = content_verb(root)
    fault = fault_statement(root, verb)
    if fault is not None:
        return fault, 0.6
    problem = described_problem(root)
    if problem is not None:
        return problem, 0.5
    problem = subjectless_fault(root)
    if problem is not None:
        return problem, 0.6
    lemma = verb.lemma_.lower() if verb is not None else ""
    if verb is not None and lemma in WISH | {"see", "have", "get", "look", "wait"}:
        obj = next(
            (c for c in verb.children if c.dep_ in {"dobj", "attr"} and c.lower_ not in AMOUNTS),
            None,
        )
        obj = obj if obj is not None else asked_for(verb)
        action = wrapped_action(obj)
        if action is not None:
            return verb_statement(action), 0.85
        if obj is not None:
            return object_statement(sorted(obj.subtree, key=lambda t: t.i)), 0.8
    if verb is None and root.lemma_.lower() in WISH:  # "We need SAML single sign-on" mis-parsed
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
