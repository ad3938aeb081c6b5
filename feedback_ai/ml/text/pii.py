"""PII masking over normalised text: emails, phones, cards, IBANs, SSNs, secrets, credentialed URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from feedback_ai.ml.text.normalize import MappedText, normalize, spans


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One kind of PII: what replaces it, how to find it, and a cheap test that it may occur."""

    placeholder: str
    regex: re.Pattern[str]
    # What the pattern cannot match without (one search); None means "needs a digit". Most
    # feedback has none of these and skips the pattern.
    needs: Callable[[str], bool] | None = None
    group: str | None = None  # mask only this named group (the value after `password=`)
    accept: Callable[[re.Match[str], str], bool] | None = None


def _iban_ok(m: re.Match[str], text: str) -> bool:
    """A real IBAN (its mod-97 check holds), or anything IBAN-shaped that is called one."""
    compact = re.sub(r"[ -]", "", m.group())
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1 or "iban" in text[max(0, m.start() - 16) : m.start()].lower()


def _keyed_ok(m: re.Match[str], _text: str) -> bool:
    """`key=value` always; `password: value` only when the value does not read as a word (so
    "reset password: doesn't work" stays)."""
    return m["sep"] == "=" or re.search(r"[^A-Za-z'’]", m["v"]) is not None


# What the token patterns below start with.
_SECRET_TRIGGERS = re.compile(
    r"_live_|_test_|gh[pousr]_|github_pat_|AKIA|ASIA|eyJ|xox|Bearer|PRIVATE"
)
_KEY_WORDS = ("key", "secret", "token", "pass", "pwd")


def _may_hold_keyed_secret(text: str) -> bool:
    # A separator, then a key word: plain substring tests, several times faster than one
    # IGNORECASE search.
    if ":" not in text and "=" not in text:
        return False
    lower = text.lower()
    return any(w in lower for w in _KEY_WORDS)


# Order matters: earlier kinds win overlaps. Credentialed URLs before emails (user:pass@host
# looks like an email); secrets before cards and phones (keys and tokens hold digit runs);
# IBANs before cards (an IBAN holds a card-length digit run).
_PII_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "[URL]",
        re.compile(
            r"\b[a-z][a-z0-9+.-]*://[^\s/@:]+:[^\s/@]+@\S+"
            r"|\b(?:https?|ftp)://\S*[?&#](?:token|access_token|api_key|apikey|key|secret|password|"
            r"pwd|sig|signature|auth|session)=\S+",
            re.IGNORECASE,
        ),
        needs=lambda text: "://" in text,
    ),
    _Pattern(
        "[SECRET]",
        re.compile(
            r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}"  # Stripe-style secret/restricted keys
            r"|\bgh[pousr]_[0-9A-Za-z]{20,}|\bgithub_pat_[0-9A-Za-z_]{20,}"  # GitHub tokens
            r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
            r"|\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]*"  # JWTs
            r"|\bxox[abposr]-[0-9A-Za-z-]{10,}"  # Slack tokens
            r"|\bBearer\s+[0-9A-Za-z._~+/-]{20,}=*"  # Authorization headers pasted in
            r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        needs=lambda text: _SECRET_TRIGGERS.search(text) is not None,
    ),
    _Pattern(
        "[SECRET]",
        re.compile(
            r"\b(?:api[_-]?key|api[_-]?secret|api[_-]?token|client[_-]?secret|secret[_-]?key|"
            r"access[_-]?key(?:[_-]?id)?|access[_-]?token|auth[_-]?token|refresh[_-]?token|"
            r"private[_-]?key|password|passwd|pwd)[\"']?\s*(?P<sep>[:=])\s*[\"']?"
            r"(?P<v>[^\s\"',;&]+)",
            re.IGNORECASE,
        ),
        needs=_may_hold_keyed_secret,
        group="v",
        accept=_keyed_ok,
    ),
    _Pattern(
        "[EMAIL]",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
        needs=lambda text: "@" in text,
    ),
    _Pattern(
        "[IBAN]",
        re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b"),
        accept=_iban_ok,
    ),
    _Pattern("[CARD]", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")),
    _Pattern("[SSN]", re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")),
    _Pattern(
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
PII_PLACEHOLDERS: tuple[str, ...] = tuple(dict.fromkeys(p.placeholder for p in _PII_PATTERNS))
_DIGIT = re.compile(r"\d")


def _may_occur(pattern: _Pattern, text: str, has_digit: bool) -> bool:
    return has_digit if pattern.needs is None else pattern.needs(text)


def mask(mapped: MappedText) -> MappedText:
    """Replace emails, phones, card numbers, IBANs, SSNs, secrets and credentialed URLs by
    placeholders."""
    matches: list[tuple[int, int, str]] = []
    text = mapped.text
    has_digit = _DIGIT.search(text) is not None
    for pattern in _PII_PATTERNS:
        if not _may_occur(pattern, text, has_digit):
            continue
        for m in pattern.regex.finditer(text):
            if pattern.accept is not None and not pattern.accept(m, text):
                continue
            s, e = m.span(pattern.group) if pattern.group else m.span()
            if not any(s < me and ms < e for ms, me, _ in matches):
                matches.append((s, e, pattern.placeholder))
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
