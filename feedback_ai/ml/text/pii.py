"""PII masking over normalised text: emails, phones, card numbers, SSNs and credentialed URLs."""

from __future__ import annotations

import re

from feedback_ai.ml.text.normalize import MappedText, normalize, spans

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
    old_starts, old_ends = spans(mapped)
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
