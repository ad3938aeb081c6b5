"""The scoring-engine interface that imports and rescoring use, and its in-process form."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

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
