"""Text normalisation and PII masking that keep a map back to offsets in the original text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Order matters: credentialed URLs before emails (user:pass@host looks like an email),
# cards before phones (a card number contains phone-shaped runs).
_PII_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "[URL]",
        re.compile(
            r"\b[a-z][a-z0-9+.-]*://[^\s/@:]+:[^\s/@]+@\S+"
            r"|\b(?:https?|ftp)://\S*[?&#](?:token|access_token|api_key|apikey|key|secret|password|"
            r"pwd|sig|signature|auth|session)=\S+",
            re.IGNORECASE,
        ),
    ),
    ("[EMAIL]", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    ("[CARD]", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")),
    ("[SSN]", re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")),
    (
        "[PHONE]",
        re.compile(
            r"(?<![\w+#/-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?![\d-])"
            # Bare 10-11 digit runs and 7-digit local numbers ("555 1234") are phones too; ids
            # written with a prefix ("#", "INV-", "/") are left alone by the lookbehind.
            r"|(?<![\w+#/-])1?\d{10}(?![\d-])"
            r"|(?<![\w+#/.-])\d{3}[ .-]\d{4}(?![\d-])"
        ),
    ),
)
PII_PLACEHOLDERS: tuple[str, ...] = tuple(p for p, _ in _PII_PATTERNS)
# What a pattern cannot match without (the rest need a digit): most feedback has none of these,
# and skips every regex.
_NEEDS = {"[URL]": "://", "[EMAIL]": "@"}
_DIGIT = re.compile(r"\d")
_CONTROL_OR_WS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]|\s\s|^\s|\s$")


@dataclass(frozen=True, slots=True)
class MappedText:
    """A transformed text that remembers which original characters each of its characters came from."""

    text: str
    original: str
    # starts[k], ends[k]: the original [start, end) that output character k came from; None = identity.
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to the span of `original` it came from."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _spans(mapped: MappedText) -> tuple[list[int], list[int]]:
    if mapped.starts is None or mapped.ends is None:
        n = len(mapped.text)
        return list(range(n)), list(range(1, n + 1))
    return list(mapped.starts), list(mapped.ends)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _stable_non_ascii(text: str) -> bool:
    """Whether every non-ASCII character survives normalize() unchanged (e.g. é, —, ’, emoji).

    Most non-ASCII feedback has a few such characters; checking only those spares the
    character-by-character rebuild.
    """
    return all(
        not ch.isspace()
        and unicodedata.category(ch)[0] != "C"
        and unicodedata.normalize("NFKC", ch) == ch
        for ch in set(_NON_ASCII.findall(text))
    )


def normalize(text: str) -> MappedText:
    """NFKC-normalise, drop control characters and collapse whitespace, keeping the offset map."""
    if not _CONTROL_OR_WS.search(text) and (text.isascii() or _stable_non_ascii(text)):
        return MappedText(text=text, original=text)
    return _rebuild(text)


def _rebuild(text: str) -> MappedText:
    """normalize(), character by character."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev_space = True  # also strips leading whitespace
    for i, ch in enumerate(text):
        norm = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        if ch.isspace() or norm.isspace():
            # A run of whitespace becomes one space, or one newline if it held a line break
            # (line breaks separate bullets and sentences).
            if prev_space:
                if ch in "\n\r" and out and out[-1] == " ":
                    out[-1] = "\n"
                continue
            norm, prev_space = ("\n" if ch in "\n\r" else " "), True
        elif unicodedata.category(ch)[0] == "C":
            continue
        else:
            prev_space = False
        for c in norm:
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    if out and out[-1] in " \n":
        out.pop(), starts.pop(), ends.pop()
    return MappedText(text="".join(out), original=text, starts=tuple(starts), ends=tuple(ends))


def mask(mapped: MappedText) -> MappedText:
    """Replace emails, phones, card numbers and credentialed URLs by placeholders."""
    matches: list[tuple[int, int, str]] = []
    has_digit = _DIGIT.search(mapped.text) is not None
    for placeholder, pattern in _PII_PATTERNS:
        need = _NEEDS.get(placeholder)
        if not (need in mapped.text if need else has_digit):
            continue
        for m in pattern.finditer(mapped.text):
            if not any(m.start() < e and s < m.end() for s, e, _ in matches):
                matches.append((m.start(), m.end(), placeholder))
    if not matches:
        return mapped
    matches.sort()
    old_starts, old_ends = _spans(mapped)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for s, e, placeholder in matches:
        out.append(mapped.text[last:s])
        starts.extend(old_starts[last:s])
        ends.extend(old_ends[last:s])
        out.append(placeholder)
        starts.extend([old_starts[s]] * len(placeholder))
        ends.extend([old_ends[e - 1]] * len(placeholder))
        last = e
    out.append(mapped.text[last:])
    starts.extend(old_starts[last:])
    ends.extend(old_ends[last:])
    return MappedText(
        text="".join(out), original=mapped.original, starts=tuple(starts), ends=tuple(ends)
    )


def prepare(text: str) -> MappedText:
    """Normalise then mask: the text every later stage sees."""
    return mask(normalize(text))


def mask_pii(text: str) -> str:
    """Mask PII in `text` (after normalising it); the string that is safe to store or show."""
    return prepare(text).text
