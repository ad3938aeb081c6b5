"""Rescore stored items as `feedback-ai rescore` does, with a canned model answer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from feedback_ai.batch.rescore import RescoreReport, rescore
from feedback_ai.ml import FeedbackInput
from feedback_ai.ml import Prediction as ModelPrediction
from feedback_ai.ml.types import ScoredLabel
from feedback_ai.themes.models import CustomTheme


class CannedEngine:
    """A scoring engine whose model says the same about every item."""

    def __init__(self, *, version: str, kind: str, themes: list[str], uncertainty: float):
        self.version, self.kind, self.themes, self.uncertainty = version, kind, themes, uncertainty

    def start(self) -> CannedEngine:
        return self

    def close(self) -> None:
        pass

    def imap(self, chunks: Iterable[list[FeedbackInput]]) -> Iterator[list[ModelPrediction]]:
        for chunk in chunks:
            yield [self._one(item.text) for item in chunk]

    def _one(self, text: str) -> ModelPrediction:
        return ModelPrediction(
            kind=self.kind, kind_score=0.6, kind_scores={self.kind: 0.6},
            themes=[ScoredLabel(t, 0.7) for t in self.themes],
            theme_scores={t: 0.7 for t in self.themes}, unassigned=not self.themes,
            candidates=[], explanations=[], masked_text=text, language="en",
            model_version=self.version, uncertainty=self.uncertainty,
        )  # fmt: skip


def rescore_all(db: Session, **canned: Any) -> RescoreReport:
    """Write a new current prediction for every stored item through batch.rescore."""
    engine = CannedEngine(**canned)
    report = rescore(session=db, engine=engine, model_version=engine.version)
    db.expire_all()
    return report


def known_themes(db: Session, *ids: str) -> None:
    """Make theme ids known to the API (the model-free app has no taxonomy)."""
    for tid in ids:
        db.add(CustomTheme(id=tid, name=tid.title(), keywords=[]))
    db.commit()
