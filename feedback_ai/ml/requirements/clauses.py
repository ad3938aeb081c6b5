"""Which clause of a sentence carries the feedback: past a report ("Acme says X") or a mood ("love
the app but X")."""

from __future__ import annotations

from spacy.tokens import Token

# "Corvid Analytics reports (that) X", "Bramble & Co are frustrated (that) X": X is the feedback.
_REPORTING = {
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
        elif root.lemma_.lower() not in _REPORTING and root.lower_ not in _FEELINGS:
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
