"""Text normalisation (NFKC, control characters, whitespace) that keeps a map back to original offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


def spans(mapped: MappedText) -> tuple[list[int], list[int]]:
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
