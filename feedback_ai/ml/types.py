"""Typed inputs and results of the ML core, shared by the API, the CLI, jobs and notebooks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal, TypeVar

Source = Literal["support_ticket", "sales_note", "app_review", "survey", "other"]
SOURCES: tuple[str, ...] = ("support_ticket", "sales_note", "app_review", "survey", "other")
DEFAULT_KINDS: tuple[str, ...] = (
    "bug",
    "feature_request",
    "question",
    "complaint",
    "praise",
    "other",
)
# The kind every odd input (empty, emoji-only, non-English...) falls back to.
FALLBACK_KIND = "other"

T = TypeVar("T")


def fast_pickle(cls: type[T]) -> type[T]:
    """Pickle as (class, field values): the constructor rebuilds it.

    Batch scoring sends every prediction from a worker process back to the writer, and the
    default state of a frozen slots dataclass calls `dataclasses.fields()` per object on both
    sides: 0.3 ms of an item's ~1 ms of scoring, half of it on the one writer process.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    get = attrgetter(*names)
    values = get if len(names) > 1 else (lambda obj: (get(obj),))

    def __reduce__(self: T) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@fast_pickle
@dataclass(frozen=True, slots=True)
class FeedbackInput:
    """One item to score: raw text plus where it came from."""

    text: str
    source: str = "other"


@fast_pickle
@dataclass(frozen=True, slots=True)
class ScoredLabel:
    """A label with its calibrated probability."""

    label: str
    score: float


@fast_pickle
@dataclass(frozen=True, slots=True)
class TermWeight:
    """A term and how much it pushed the score of a label."""

    term: str
    weight: float


@fast_pickle
@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence, as character offsets into the original text and into the masked text."""

    text: str
    start: int
    end: int
    masked_start: int
    masked_end: int


@fast_pickle
@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a label was predicted: top terms and the sentence that carried them."""

    head: Literal["kind", "theme"]
    label: str
    terms: list[TermWeight]
    evidence: Evidence | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, as `dataclasses.asdict` makes it, without its deep copies."""
        ev = self.evidence
        return {
            "head": self.head,
            "label": self.label,
            "terms": [{"term": t.term, "weight": t.weight} for t in self.terms],
            "evidence": None
            if ev is None
            else {
                "text": ev.text,
                "start": ev.start,
                "end": ev.end,
                "masked_start": ev.masked_start,
                "masked_end": ev.masked_end,
            },
        }


@fast_pickle
@dataclass(frozen=True, slots=True)
class CandidateRequirement:
    """A sentence that states a need, normalised to a short imperative statement."""

    statement: str
    sentence: str
    evidence: Evidence
    confidence: float


@fast_pickle
@dataclass(frozen=True, slots=True)
class SentenceKind:
    """The kind of one sentence (or contrast clause) of an item, as the kind head scores it alone."""

    kind: str
    score: float
    evidence: Evidence


@fast_pickle
@dataclass(slots=True)
class Prediction:
    """Everything the model says about one item.

    `kind_scores` is the distribution over the whole item. When a concrete defect or ask in one
    sentence decided the kind (see ml/heads/sentence_kinds.py), `kind` is that sentence's kind and
    `kind_score` its probability. `sentence_kinds` lists each sentence's kind for one-sentence items
    and for items whose kind a sentence could change; it is empty for other multi-sentence items,
    whose sentences are not scored (that keeps predict's cost flat).
    `uncertainty` is 1 for items the model could not score (another language, no words).
    """

    kind: str | None
    kind_score: float | None
    kind_scores: dict[str, float]
    themes: list[ScoredLabel]
    theme_scores: dict[str, float]
    unassigned: bool
    candidates: list[CandidateRequirement]
    explanations: list[Explanation]
    masked_text: str
    language: str
    flags: list[str] = field(default_factory=list)
    model_version: str = ""
    sentence_kinds: list[SentenceKind] = field(default_factory=list)
    # How much a human label would teach the model, in [0, 1] (ml/training/active.py).
    uncertainty: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)
