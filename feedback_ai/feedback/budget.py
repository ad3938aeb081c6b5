"""How much text one request may make the service work on, counted after normalisation."""

from __future__ import annotations

from feedback_ai.errors import FeedbackAIError
from feedback_ai.ml.text.normalize import normalize


class TextTooLong(FeedbackAIError):
    """One text is over the per-text limit once normalised (answered 422)."""

    def __init__(self, *, field: str, raw: int, normalized: int, limit: int) -> None:
        grown = (
            f" ({raw} as sent; Unicode normalisation NFKC expands it)" if normalized > raw else ""
        )
        super().__init__(f"text has {normalized} characters{grown}; the limit is {limit}")
        self.field = field


class RequestTooLarge(FeedbackAIError):
    """The texts of one request add up to more than the per-request budget (answered 413)."""

    def __init__(self, *, total: int, limit: int) -> None:
        super().__init__(
            f"the texts of this request add up to {total} characters; the limit is {limit} per "
            "request. Split it into several requests."
        )


def normalized_length(text: str) -> int:
    """The length of `text` as the model and the database will see it (NFKC, no controls)."""
    # ASCII is unchanged by NFKC and only shrinks under whitespace collapsing: no work needed.
    return len(text) if text.isascii() else len(normalize(text).text)


def check_text(text: str, *, limit: int, field: str = "text") -> int:
    """The normalised length of `text`, or TextTooLong."""
    if len(text) > limit:
        raise TextTooLong(field=field, raw=len(text), normalized=len(text), limit=limit)
    length = normalized_length(text)
    if length > limit:
        raise TextTooLong(field=field, raw=len(text), normalized=length, limit=limit)
    return length


def check_request(lengths: list[int], *, limit: int) -> None:
    """RequestTooLarge if the normalised lengths of a request's texts add up to over `limit`."""
    total = sum(lengths)
    if total > limit:
        raise RequestTooLarge(total=total, limit=limit)
