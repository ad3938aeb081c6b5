"""Which clause of a sentence carries the feedback: past a report ("Acme says X"), a mood ("love
the app but X") or a label ("Acme, renewal call: X"), the ask stated before its reason, and the
conditions that belong to the ask ("when a field changes")."""

from __future__ import annotations

from spacy.tokens import Doc, Token

# "Corvid Analytics reports (that) X", "Bramble & Co are frustrated (that) X": X is the feedback.
REPORTING = {
    "report", "say", "find", "mention", "note", "tell", "complain", "flag", "notice", "explain",
    "confirm", "write", "state", "claim", "point", "feel", "think",
}  # fmt: skip
_FEELINGS = {"frustrated", "annoyed", "upset", "unhappy", "confused", "worried", "surprised"}
# "love the app but it crashes ...", "great app but please add X": the mood comes first, and the
# clause after the contrast carries the defect or the ask.
_MOOD_VERBS = {"love", "like", "enjoy", "hate", "appreciate", "adore"}
_CONTRAST = {"but", "however", "though", "although", "except", "yet"}


def reported(root: Token) -> Token:
    """The clause someone reports or is upset about, else the root itself."""
    for _ in range(2):
        holder = root
        if root.lemma_.lower() == "be":
            holder = next((c for c in root.children if c.lower_ in _FEELINGS), root)
        elif root.lemma_.lower() not in REPORTING and root.lower_ not in _FEELINGS:
            return root
        clause = next(
            (c for c in holder.children if c.dep_ == "ccomp" and c.pos_ in {"VERB", "AUX"}), None
        )
        if clause is None:
            return root
        root = clause
    return root


def past_the_mood(root: Token) -> Token:
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


# A label before a colon names who or what the note is about, not the ask: "CSM note, Acme: ...".
_LABEL_TOKENS = 8
_FINITE = {"VB", "VBD", "VBP", "VBZ", "MD"}


def after_label(doc: Doc) -> str | None:
    """The text after a verbless label and its colon ("Acme Corp: their crew needs X"), else None.

    The parse of the whole line makes the label the subject or the root; the rest reads as a
    sentence of its own.
    """
    colon = next((t for t in doc[:_LABEL_TOKENS] if t.text == ":"), None)
    if colon is None or colon.i == 0:
        return None
    # "Escalating for Acme:" is a label too; "We need two things:" is not.
    if any(t.tag_ in _FINITE for t in doc[: colon.i]):
        return None
    quotes = sum(t.text.count(q) for t in doc[: colon.i] for q in "'\"‘’“”()")
    if quotes % 2:  # a colon inside quotes or brackets: "Filter 'Assigned to: me' shows ..."
        return None
    rest = doc[colon.i + 1 :]
    # "Contact: [EMAIL], [PHONE]": placeholders and names are no sentence.
    if sum(t.is_alpha for t in rest) < 2 or not any(t.is_alpha and t.is_lower for t in rest):
        return None
    return rest.text.strip()


# "trigger an automation when a custom field changes": a condition on a thing in the product is part
# of the ask. Conditions on the writer ("when I log in", "if you can") are not.
_CONDITION_MARKS = {"when", "whenever", "after", "before", "while", "once", "if"}


def condition(clause: Token) -> list[Token]:
    """The tokens of an adverbial clause that states when a thing happens, else []."""
    if clause.dep_ != "advcl":
        return []
    mark = next(
        (c for c in clause.children if c.dep_ in {"mark", "advmod"} and c.i < clause.i), None
    )
    subject = next((c for c in clause.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if mark is None or mark.lower_ not in _CONDITION_MARKS:
        return []
    if subject is not None and subject.pos_ == "PRON":
        return []
    # "when a field changes, not only when status changes": the first condition only.
    cut = {t.i for c in clause.children if c.dep_ in {"conj", "cc", "punct"} for t in c.subtree}
    tokens = [t for t in clause.subtree if t.i not in cut and not (t.i > clause.i and t.is_punct)]
    # The cheap parse reads "when a custom field changes" as a noun phrase: no subject, but a noun.
    if not any(t.pos_ in {"NOUN", "PROPN"} for t in tokens if t.i <= clause.i):
        return []
    return tokens


# Verbs that state the ask outright: "needs a way to set X, we have part timers".
_ASKS = {"need", "want", "ask", "request", "require", "wish"}


def stated_ask(root: Token) -> Token:
    """An explicit ask before the main clause the parser chose ("asked for X so clients can see Y")
    is the feedback: writers name the ask first and the reason after it."""
    if root.lemma_.lower() in _ASKS:
        return root
    for token in root.doc[root.sent.start : root.i]:
        if token.pos_ != "VERB" or token.lemma_.lower() not in _ASKS:
            continue
        if any(c.dep_ == "neg" for c in token.children):
            continue
        if any(
            c.dep_ in {"dobj", "xcomp"} or (c.dep_ == "prep" and c.lower_ == "for")
            for c in token.children
        ):
            return token
    return root
