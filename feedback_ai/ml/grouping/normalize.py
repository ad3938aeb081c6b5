"""Fast statement normalisation for grouping: synonyms, contractions, stopwords, light stemming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

# Multi-word spellings folded into one canonical token before tokenising.
DEFAULT_PHRASE_SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"single[\s-]*sign[\s-]*on|sign[\s-]*on", "sso"),
    (r"log[\s-]*in|log[\s-]*on|sign[\s-]*in", "login"),
    (r"log[\s-]*out|sign[\s-]*out", "logout"),
    (r"sign[\s-]*up", "signup"),
    (r"two[\s-]*factor|2[\s-]*factor|2fa|mfa|multi[\s-]*factor", "2fa"),
    (r"dark[\s-]*(?:mode|theme)|night[\s-]*mode|black[\s-]*background", "darkmode"),
    (r"e[\s-]*mail", "email"),
    (r"force[\s-]*clos\w*", "crash"),
    (r"web[\s-]*hooks?", "webhook"),
    (r"spread[\s-]*sheets?", "excel"),
    (r"set[\s-]*up", "setup"),
)
# Single-word synonyms, applied after stemming.
DEFAULT_TOKEN_SYNONYMS: Mapping[str, str] = {
    "okta": "sso",
    "saml": "sso",
    "signin": "login",
    "logon": "login",
    "xlsx": "excel",
    "xls": "excel",
    "pic": "photo",
    "pictur": "photo",
    "imag": "photo",
    "crashes": "crash",
    "freez": "hang",
    "frozen": "hang",
    "slowness": "slow",
    "lag": "slow",
    "laggy": "slow",
    "sluggish": "slow",
    "synchroniz": "sync",
    "synchronis": "sync",
    "synchron": "sync",
    "app": "",
    "pleas": "",
    "plz": "",
    "pls": "",
}
_CONTRACTIONS = (
    (r"won't", "will not"),
    (r"can't", "can not"),
    (r"n't", " not"),
    (r"'(?:s|re|ve|ll|d|m)\b", ""),
)
# fmt: off
STOPWORDS: frozenset[str] = frozenset((
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "don", "down", "during",
    "each", "else", "even", "ever", "every", "few", "for", "from", "further", "get", "gets",
    "getting", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
    "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "let", "like", "lot",
    "lots", "make", "me", "more", "most", "much", "must", "my", "need", "needs", "needed", "no",
    "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out",
    "over", "own", "please", "really", "same", "she", "should", "so", "some", "such", "than",
    "thank", "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "us", "very", "want", "wanted",
    "wants", "was", "way", "we", "well", "were", "what", "when", "where", "which", "while", "who",
    "whom", "why", "will", "wish", "with", "would", "you", "your", "yours", "able", "ability",
    "allow", "allows", "add", "adding", "added", "option", "options", "feature", "features",
    "maybe", "great", "good", "nice", "love", "awesome", "hi", "hello", "still", "already", "yet",
    "one", "thing", "things", "support",
))
# fmt: on
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# fmt: off
_RULES = (
    ('ies', 'y', 2), ('sses', 'ss', 2), ('ness', '', 3), ('ments', '', 4), ('ment', '', 4),
    ('ings', '', 3), ('ing', '', 3), ('ied', 'y', 2), ('ed', '', 3), ('ly', '', 4),
)
# fmt: on
_KEEP_S = ("ss", "us", "is", "os")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Strip common English inflections ("exporting"→"export", "crashes"→"crash"); cached."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement, min_len in _RULES:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_len:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if word.endswith(("ches", "shes", "xes", "zes", "sses")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(_KEEP_S):
            word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


class Normalizer:
    """Turns a statement into stemmed content tokens, deterministically."""

    def __init__(
        self,
        *,
        phrase_synonyms: Iterable[tuple[str, str]] = DEFAULT_PHRASE_SYNONYMS,
        token_synonyms: Mapping[str, str] | None = None,
        stopwords: frozenset[str] = STOPWORDS,
    ) -> None:
        self.phrase_synonyms = tuple(phrase_synonyms)
        self.token_synonyms = dict(
            DEFAULT_TOKEN_SYNONYMS if token_synonyms is None else token_synonyms
        )
        self.stopwords = stopwords
        self._phrases = [(re.compile(rf"\b(?:{p})\b"), r) for p, r in self.phrase_synonyms]
        self._contractions = [(re.compile(p), r) for p, r in _CONTRACTIONS]
        self._token_cache: dict[str, str] = {}

    def clean(self, text: str) -> str:
        """Lowercase, fold unicode, expand contractions and apply phrase synonyms."""
        text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
        for pattern, replacement in self._contractions:
            text = pattern.sub(replacement, text)
        for pattern, replacement in self._phrases:
            text = pattern.sub(replacement, text)
        return text

    def token(self, word: str) -> str:
        """Canonical form of one lowercase word, or "" when it carries no content."""
        cached = self._token_cache.get(word)
        if cached is not None:
            return cached
        if word in self.stopwords or (len(word) < 2 and not word.isdigit()):
            result = ""
        else:
            stemmed = stem(word)
            result = self.token_synonyms.get(word, self.token_synonyms.get(stemmed, stemmed))
            if result in self.stopwords:
                result = ""
        if len(self._token_cache) < 500_000:
            self._token_cache[word] = result
        return result

    def tokens(self, text: str) -> list[str]:
        """Content tokens of a statement, in order."""
        out = []
        for word in _TOKEN_RE.findall(self.clean(text)):
            tok = self.token(word)
            if tok:
                out.append(tok)
        return out

    def surface_tokens(self, text: str) -> list[tuple[str, str]]:
        """(stem, surface word) pairs, for readable keywords."""
        out = []
        for word in _TOKEN_RE.findall(self.clean(text)):
            tok = self.token(word)
            if tok:
                out.append((tok, word))
        return out
