"""The scoring-engine interface that imports and rescoring use, its in-process form, and the bounded
in-order window the pool engines (local processes, Dask) submit chunks through."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from feedback_ai.batch.errors import ScoringError
from feedback_ai.ml import FeedbackInput, FeedbackModel, Prediction, predict


class ScoringEngine(Protocol):
    """Scores chunks of items; answers come back in the order the chunks went in."""

    def start(self) -> ScoringEngine:
        """Start workers (if any); returns self."""
        ...

    def close(self) -> None:
        """Stop workers and free what they hold."""
        ...

    def imap(self, chunks: Iterable[list[FeedbackInput]]) -> Iterator[list[Prediction]]:
        """One list of predictions per chunk, in order; reads ahead only a bounded number."""
        ...


class InlineEngine:
    """Scores each chunk in the calling thread: no workers, the reference for the others."""

    def __init__(self, model: FeedbackModel) -> None:
        self.model = model

    def start(self) -> InlineEngine:
        """Nothing to start."""
        return self

    def close(self) -> None:
        """Nothing to stop."""

    def imap(self, chunks: Iterable[list[FeedbackInput]]) -> Iterator[list[Prediction]]:
        """Score chunk after chunk with the one predict."""
        for chunk in chunks:
            yield predict(self.model, chunk)


class ChunkFuture(Protocol):
    """A chunk submitted to workers (a concurrent.futures or a Dask future)."""

    def result(self) -> list[Prediction]:
        """The chunk's predictions; raises what scoring raised."""
        ...

    def cancel(self) -> object:
        """Drop the chunk if it has not run yet."""
        ...


def in_order(
    chunks: Iterable[list[FeedbackInput]],
    *,
    submit: Callable[[list[FeedbackInput]], ChunkFuture],
    max_in_flight: int,
    explain: Callable[[int, Exception], str | None],
) -> Iterator[list[Prediction]]:
    """Submit chunks with at most `max_in_flight` outstanding; yield their predictions in order.

    A failed chunk raises ScoringError with `explain(number, error)`, or a generic message when
    that gives None. Chunks still queued when the caller stops reading (or one fails) are dropped.
    """
    pending: deque[tuple[int, ChunkFuture]] = deque()

    def next_result() -> list[Prediction]:
        number, future = pending.popleft()
        try:
            return future.result()
        except Exception as e:
            reason = explain(number, e)
            raise ScoringError(
                reason or f"chunk {number} could not be scored: {type(e).__name__}: {e}"
            ) from e

    try:
        for number, chunk in enumerate(chunks):
            pending.append((number, submit(list(chunk))))
            if len(pending) >= max_in_flight:
                yield next_result()
        while pending:
            yield next_result()
    finally:
        for _, future in pending:
            future.cancel()
