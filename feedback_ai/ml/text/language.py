"""A cheap language guess: enough to flag feedback the English models should not score."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_FOREIGN_STOP: dict[str, frozenset[str]] = {
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "de",
            "del",
            "que",
            "y",
            "en",
            "un",
            "una",
            "por",
            "con",
            "para",
            "es",
            "no",
            "se",
            "su",
            "al",
            "lo",
            "como",
            "pero",
            "muy",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "de",
            "et",
            "est",
            "un",
            "une",
            "pour",
            "pas",
            "que",
            "qui",
            "dans",
            "sur",
            "avec",
            "ne",
            "je",
            "nous",
            "vous",
            "tres",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "mit",
            "für",
            "auf",
            "ich",
            "wir",
            "sie",
            "es",
            "zu",
            "den",
            "dem",
            "sehr",
            "auch",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "de",
            "do",
            "da",
            "que",
            "e",
            "em",
            "um",
            "uma",
            "para",
            "com",
            "não",
            "se",
            "por",
            "muito",
            "mais",
            "mas",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "di",
            "del",
            "che",
            "e",
            "è",
            "un",
            "una",
            "per",
            "con",
            "non",
            "si",
            "molto",
            "ma",
            "sono",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "is",
            "niet",
            "dat",
            "op",
            "te",
            "met",
            "voor",
            "zijn",
            "ik",
            "we",
            "ze",
            "maar",
            "ook",
        ]
    ),
}


# Which stop-word lists each word is on: one dict lookup per word instead of one per language.
_LISTS_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in (("en", EN_STOP), *_FOREIGN_STOP.items()):
    for _word in _words:
        _LISTS_OF[_word] = (*_LISTS_OF.get(_word, ()), _code)
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def guess_language(text: str) -> str:
    """'en', another ISO code, or 'und' when there is too little text to tell."""
    if text.isascii():
        if not _ASCII_LETTER.search(text):
            return "und"
        words = _WORD.findall(text.lower())
    else:
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return "und"
        non_latin = sum(1 for ch in letters if ord(ch) > 0x24F)
        if non_latin / len(letters) > 0.5:
            return "xx"
        words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return "en"
    hits = dict.fromkeys(("en", *_FOREIGN_STOP), 0)
    for word in words:
        for code in _LISTS_OF.get(word, ()):
            hits[code] += 1
    en_hits = hits["en"]
    best, best_hits = "en", en_hits
    for code in _FOREIGN_STOP:
        if hits[code] > best_hits:
            best, best_hits = code, hits[code]
    # Short words like "a", "de", "no" are shared; demand a clear margin before leaving English.
    if best != "en" and best_hits >= max(2, 2 * en_hits) and best_hits / len(words) >= 0.2:
        return best
    return "en"
