"""Request and response bodies for feedback, classification and the taxonomy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from feedback_ai.api_errors import FieldError
from feedback_ai.feedback.items import EXAMPLE, FeedbackText, Short, Source
from feedback_ai.feedback.items import FeedbackCreate as FeedbackCreate  # re-exported
from feedback_ai.fields import CleanStr, ThemeId, UtcDatetime
from feedback_ai.settings import MAX_BATCH_ITEMS

Kind = Literal["bug", "feature_request", "question", "complaint", "praise", "other"]
STRICT = ConfigDict(extra="forbid")


class FeedbackBatchCreate(BaseModel):
    """Up to 1,000 items; each is checked on its own so one bad item fails alone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"items": [EXAMPLE, {"text": "Love the new dashboard!", "source": "survey"}]}
            ]
        },
    )

    # Any JSON value: each item is validated on its own, so a bad one (even `null`) fails alone
    # with its own error in a 200 answer. The schema says so: a FeedbackCreate, or anything else.
    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="Each a FeedbackCreate; any other value gets its own error at its index",
        json_schema_extra={
            "items": {"anyOf": [{"$ref": "#/components/schemas/FeedbackCreate"}, {}]}
        },
    )


class ClassifyItem(BaseModel):
    """Text to classify without storing it."""

    model_config = STRICT

    text: FeedbackText
    source: Source = "other"


class ClassifyRequest(BaseModel):
    """Up to 1,000 texts to classify; nothing is stored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"text": "The app crashes when I upload a photo.", "source": "app_review"}
                    ]
                }
            ]
        },
    )

    items: list[ClassifyItem] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class ThemeScore(BaseModel):
    """A theme assigned to an item."""

    id: str
    name: str
    score: float


class EvidenceSpan(BaseModel):
    """A sentence as offsets into the original and the masked text; `text` is masked."""

    text: str
    start: int
    end: int
    masked_start: int
    masked_end: int


class TermWeightPublic(BaseModel):
    """A term and how much it pushed a label."""

    term: str
    weight: float


class ExplanationPublic(BaseModel):
    """Why a label was predicted."""

    head: Literal["kind", "theme"]
    label: str
    terms: list[TermWeightPublic]
    evidence: EvidenceSpan | None


class CandidatePublic(BaseModel):
    """A candidate requirement: a normalised statement and the sentence it came from."""

    id: str | None = Field(None, description="Stable id; null from /v1/classify")
    statement: str
    sentence: str
    evidence: EvidenceSpan
    confidence: float


class SentenceKindPublic(BaseModel):
    """The kind of one sentence (or contrast clause) of the item, scored on its own."""

    kind: str
    score: float
    evidence: EvidenceSpan


class ClassifyResult(BaseModel):
    """What the model says about one text."""

    kind: str | None = Field(description="Null when the model was trained without kinds")
    kind_score: float | None
    kind_scores: dict[str, float]
    themes: list[ThemeScore]
    unassigned: bool
    candidates: list[CandidatePublic]
    explanations: list[ExplanationPublic]
    masked_text: str
    language: str
    flags: list[str]
    model_version: str
    sentence_kinds: list[SentenceKindPublic] = Field(
        default_factory=list,
        description="Each sentence's own kind; a concrete defect or ask in one sentence can decide "
        "`kind`. Listed for one-sentence items and for items whose kind a sentence could change "
        "(praise, complaint, other); returned by /v1/classify, empty on stored predictions.",
    )


class PredictionPublic(ClassifyResult):
    """A stored prediction: the model's suggestion, kept apart from human decisions."""

    id: str
    created_at: datetime


ShownSource = Literal["decision", "model"]


class ShownThemePublic(BaseModel):
    """A theme the product shows for an item, and where it comes from."""

    id: str
    name: str
    source: ShownSource = Field(description="`decision`: a person gave it; `model`: suggested")
    score: float | None = Field(description="The model's score; null for themes a person gave")
    decided_by: str | None = Field(None, description="The deciding key's name, for decisions")
    decided_at: datetime | None = Field(None, description="When it was decided, for decisions")


class FeedbackPublic(BaseModel):
    """A stored item with what the product shows of it and the model's current prediction.

    `kind` and `themes` are the shown values: a person's decision where one exists (review
    relabels, accepted theme proposals), else the current prediction's suggestion, which stays
    under `prediction` unchanged; text is shown masked.
    """

    id: str
    source: str
    external_id: str | None
    account_id: str | None
    account_name: str | None
    arr: float | None
    plan: str | None
    segment: str | None
    received_at: datetime
    created_at: datetime
    metadata: dict[str, Any]
    masked_text: str
    text: str | None = Field(description="Original text; admins only, null for other roles")
    prediction: PredictionPublic | None = Field(description="The model's current suggestion")
    kind: str | None = Field(None, description="Shown kind: the decision, else the model's")
    kind_source: ShownSource | None = Field(None, description="Null when there is neither")
    kind_decided_by: str | None = Field(None, description="Who decided the kind, if a person did")
    kind_decided_at: datetime | None = None
    themes: list[ShownThemePublic] = Field(
        default_factory=list, description="Shown themes: the decision, else the model's"
    )
    themes_source: ShownSource | None = Field(
        None, description="`decision` when a person set the list (it may be empty on purpose)"
    )


class FeedbacksPublic(BaseModel):
    """A page of items, newest received first."""

    items: list[FeedbackPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class BatchItemError(BaseModel):
    """Why one item of a batch was not stored."""

    code: str
    message: str
    errors: list[FieldError] = Field(default_factory=list)


class BatchItemResult(BaseModel):
    """The outcome for one item, at the same index as in the request."""

    index: int
    status: Literal["created", "replayed", "error"]
    feedback: FeedbackPublic | None = None
    error: BatchItemError | None = None


class FeedbackBatchResult(BaseModel):
    """Per-item outcomes; stored items were committed before this answer was sent."""

    created: int
    replayed: int
    failed: int
    results: list[BatchItemResult]


class ClassifyResponse(BaseModel):
    """One result per input text, in order."""

    model_version: str
    results: list[ClassifyResult]


class ThemePublic(BaseModel):
    """A theme of the taxonomy; ids never change."""

    id: str
    name: str
    description: str
    parent: str | None
    keywords: list[str]
    custom: bool = Field(False, description="Accepted from a proposal; not yet in the model")


class TaxonomyPublic(BaseModel):
    """The kinds and themes the loaded model predicts."""

    model_version: str | None
    kinds: list[str]
    themes: list[ThemePublic]


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    """Filters for listing feedback; None means no filter."""

    source: str | None = None
    kind: str | None = None
    theme: str | None = None
    account: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    q: str | None = None


class FeedbackQuery(BaseModel):
    """Filters and paging for GET /v1/feedback; unknown parameters are refused."""

    model_config = STRICT

    source: Source | None = None
    kind: Kind | None = None
    theme: ThemeId | None = None
    account: Short | None = Field(None, description="Matches account_id or account_name exactly")
    received_from: UtcDatetime | None = Field(None, description="Inclusive")
    received_to: UtcDatetime | None = Field(None, description="Exclusive")
    q: Annotated[
        CleanStr | None,
        Field(min_length=1, max_length=200, description="Case-insensitive text search"),
    ] = None
    cursor: Annotated[str | None, Field(max_length=512, pattern=r"^[A-Za-z0-9_-]+$")] = None
    limit: int = Field(50, ge=1, le=200)

    @field_validator("received_to")
    @classmethod
    def _after_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("received_from")
        if value is not None and start is not None and value <= start:
            raise ValueError("must be later than received_from")
        return value

    def to_filter(self) -> FeedbackFilter:
        """The service-level filter."""
        return FeedbackFilter(
            source=self.source,
            kind=self.kind,
            theme=self.theme,
            account=self.account,
            received_from=self.received_from,
            received_to=self.received_to,
            q=self.q,
        )
