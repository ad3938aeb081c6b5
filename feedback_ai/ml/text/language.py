"""Which language a text is in: enough to flag feedback the English models should not score.

py3langid (langid.py's n-gram naive Bayes, its model shipped inside the package) decides. Three
cheap checks around it keep short informal English from being flagged, which matters more than a
miss because flagged items are not scored: text with plenty of English-only function words is
English without asking the model; the model chooses only among English and the languages feedback
here is likely to come in; and a foreign verdict needs that language's own function words to
outnumber the English ones, two of them when the model is less than sure.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP

# Latin-script languages the identifier may answer for Latin text: Western and Central Europe plus
# Turkish and Indonesian. Among all 140 of its languages it would guess on a few words of English
# ("garbage" scores Italian, "ok" Czech).
LATIN_LANGUAGES: tuple[str, ...] = (
    *("en", "fr", "es", "de", "pt", "it", "nl", "sv", "da", "no"),
    *("fi", "pl", "cs", "hu", "ro", "tr", "id"),
)
# A foreign verdict this sure stands on its own; between the two it needs function-word support.
SURE = 0.9
LIKELY = 0.5

_SPACY_LANG = Path(importlib.util.find_spec("spacy.lang").origin or "").parent  # type: ignore[union-attr]
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _stop_words(code: str) -> frozenset[str]:
    """spaCy's stop words for `code`, read from their own file.

    Importing `spacy.lang.<code>.stop_words` runs the language package first, and French's
    compiles its tokenizer-exception regexes: 4.6 s of every process's start, for a word list.
    Each stop_words.py is a plain `STOP_WORDS = set(...)` with no imports, so it is run alone.
    """
    module = {"no": "nb"}.get(code, code)  # spaCy keeps Norwegian under Bokmål
    path = _SPACY_LANG / module / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_feedback_ai_stop_words_{module}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no stop-word list for {code!r} at {path}")
    words = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(words)
    return frozenset(words.STOP_WORDS)


_FOREIGN_STOP: dict[str, frozenset[str]] = {c: _stop_words(c) for c in LATIN_LANGUAGES[1:]}
# English function words that none of the other languages uses ("the", "with", "this"), unlike
# "a", "in", "is", "no" or "me": the fast path counts only these.
_ENGLISH_ONLY = frozenset(EN_STOP).difference(*_FOREIGN_STOP.values())
_FOREIGN_ONLY: dict[str, frozenset[str]] = {c: w - EN_STOP for c, w in _FOREIGN_STOP.items()}


# Languages the identifier may name for text mostly in other scripts than Latin.
OTHER_SCRIPTS: tuple[str, ...] = (
    *("ru", "uk", "bg", "sr", "mk", "be", "kk", "el", "he", "ar", "fa", "ur", "hi", "mr", "ne"),
    *("bn", "ta", "te", "kn", "ml", "gu", "pa", "si", "th", "lo", "km", "my", "ka", "hy", "am"),
    *("zh", "ja", "ko"),
)


@lru_cache(maxsize=1)
def _identifiers() -> tuple[LanguageIdentifier, LanguageIdentifier]:
    """(other scripts, Latin script): the model loaded once (~1 s), kept only for these languages.

    The full model's per-language table (28 MB for 142 languages) is dropped once both are built.
    """
    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def restricted(languages: tuple[str, ...]) -> LanguageIdentifier:
        columns = [i for i, code in enumerate(full.nb_classes) if code in languages]
        return LanguageIdentifier(
            full.nb_ptc[:, columns],
            full.nb_pc[columns],
            [full.nb_classes[i] for i in columns],
            full.tk_nextmove,
            full.tk_output,
            norm_probs=True,
            tk_row=full.tk_row,
        )

    return restricted(OTHER_SCRIPTS), restricted(LATIN_LANGUAGES)


def guess_language(text: str) -> str:
    """'en', another ISO 639-1 code, or 'und' when the text has no letters."""
    if text.isascii():
        if not _ASCII_LETTER.search(text):
            return "und"
    else:
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return "und"
        if sum(1 for ch in letters if ord(ch) > 0x24F) / len(letters) > 0.5:
            return _identifiers()[0].classify(text)[0]
    words = _WORD.findall(text.lower())
    english = sum(1 for word in words if word in _ENGLISH_ONLY)
    if english >= 2 and english >= 0.1 * len(words):
        return "en"  # most English feedback ends here, at a tenth of the model's cost
    code, confidence = _identifiers()[1].classify(text)
    if code == "en" or confidence < LIKELY:
        return "en"
    # That language's own function words, distinct and not English too ("de", "pas", "nicht"; not
    # "i", "do", "by", which Polish shares): "i go by brad" scores Polish, "add 5 plus 4" French.
    own = len(_FOREIGN_ONLY[code].intersection(words))
    if confidence >= SURE:
        return code if own >= 2 * english else "en"  # "is it safe in rio de janeiro" stays English
    return code if own >= max(2, 2 * english) else "en"
