"""Turn stored rows and model predictions into response bodies; text is shown masked."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from feedback_ai.api_errors import FieldError
from feedback_ai.feedback.items import ItemError
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction
from feedback_ai.feedback.privacy import mask_json, mask_optional
from feedback_ai.feedback.schemas import (
    BatchItemError,
    CandidatePublic,
    ClassifyResult,
    EvidenceSpan,
    ExplanationPublic,
    FeedbackPublic,
    PredictionPublic,
    SentenceKindPublic,
    ShownThemePublic,
    TermWeightPublic,
    ThemeScore,
)
from feedback_ai.ml import Prediction as ModelPrediction
from feedback_ai.ml import mask_pii
from feedback_ai.review import shown
from feedback_ai.review.shown import Shown


def evidence_span(evidence: Mapping[str, Any], masked_text: str) -> EvidenceSpan:
    """An evidence span whose text is cut from the masked text, never the original."""
    ms, me = int(evidence["masked_start"]), int(evidence["masked_end"])
    return EvidenceSpan(
        text=masked_text[ms:me],
        start=int(evidence["start"]),
        end=int(evidence["end"]),
        masked_start=ms,
        masked_end=me,
    )


def explanations_public(raw: list[Any], masked_text: str) -> list[ExplanationPublic]:
    """Stored explanation dicts as public, masked explanations."""
    out = []
    for exp in raw:
        ev = exp.get("evidence")
        out.append(
            ExplanationPublic(
                head=exp["head"],
                label=exp["label"],
                terms=[TermWeightPublic(term=t["term"], weight=t["weight"]) for t in exp["terms"]],
                evidence=evidence_span(ev, masked_text) if ev else None,
            )
        )
    return out


def candidate_public(row: CandidateRequirement) -> CandidatePublic:
    """A stored candidate requirement, masked."""
    return CandidatePublic(
        id=row.id,
        statement=mask_pii(row.statement),
        sentence=row.masked_sentence,
        evidence=EvidenceSpan(
            text=row.masked_sentence,
            start=row.start,
            end=row.end,
            masked_start=row.masked_start,
            masked_end=row.masked_end,
        ),
        confidence=row.confidence,
    )


def prediction_public(
    row: Prediction, *, masked_text: str, theme_names: Mapping[str, str]
) -> PredictionPublic:
    """A stored prediction as its public body."""
    return PredictionPublic(
        id=row.id,
        created_at=row.created_at,
        model_version=row.model_version,
        kind=row.kind,
        kind_score=row.kind_score,
        kind_scores=row.kind_scores,
        themes=[
            ThemeScore(id=t.theme_id, name=theme_names.get(t.theme_id, t.theme_id), score=t.score)
            for t in row.themes
        ],
        unassigned=row.unassigned,
        candidates=[candidate_public(c) for c in row.candidates],
        explanations=explanations_public(row.explanations, masked_text),
        masked_text=masked_text,
        language=row.language,
        flags=[str(f) for f in row.flags],
    )


def shown_fields(values: Shown, theme_names: Mapping[str, str]) -> dict[str, Any]:
    """The shown kind and themes of an item, with their sources, as FeedbackPublic fields."""
    k = values.kind_origin
    t = values.themes_origin
    return dict(
        kind=values.kind,
        kind_source=k.source if k else None,
        kind_decided_by=k.decided_by if k else None,
        kind_decided_at=k.decided_at if k else None,
        themes=[
            ShownThemePublic(
                id=s.id,
                name=theme_names.get(s.id, s.id),
                source=s.origin.source,
                score=s.score,
                decided_by=s.origin.decided_by,
                decided_at=s.origin.decided_at,
            )
            for s in values.themes
        ],
        themes_source=t.source if t else None,
    )


def feedback_public(
    row: Feedback | SimpleNamespace, *, theme_names: Mapping[str, str], show_text: bool,
    values: Shown | None = None,
) -> FeedbackPublic:  # fmt: skip
    """A stored item with its shown values and current prediction; as stored only when
    `show_text` (admins), else without the original text and with PII masked in the account
    name and the metadata. Without `values` (a new item: nobody decided yet) the model's are shown.
    """
    pred = row.current_prediction
    if values is None:
        values = shown.resolve(
            kind=pred.kind if pred else None,
            themes=[(t.theme_id, t.score) for t in pred.themes] if pred else [],
            has_prediction=pred is not None, decisions={},
        )  # fmt: skip
    return FeedbackPublic(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        account_id=row.account_id,
        account_name=row.account_name if show_text else mask_optional(row.account_name),
        arr=row.arr,
        plan=row.plan,
        segment=row.segment,
        received_at=row.received_at,
        created_at=row.created_at,
        metadata=row.extra if show_text else mask_json(row.extra),
        masked_text=row.masked_text,
        text=row.text if show_text else None,
        prediction=prediction_public(pred, masked_text=row.masked_text, theme_names=theme_names)
        if pred is not None
        else None,
        **shown_fields(values, theme_names),
    )


def classify_result(pred: ModelPrediction, *, theme_names: Mapping[str, str]) -> ClassifyResult:
    """A model prediction as a stateless classification result, masked."""
    masked = pred.masked_text
    data = pred.to_dict()
    return ClassifyResult(
        kind=pred.kind,
        kind_score=pred.kind_score,
        kind_scores=pred.kind_scores,
        themes=[
            ThemeScore(id=t.label, name=theme_names.get(t.label, t.label), score=t.score)
            for t in pred.themes
        ],
        unassigned=pred.unassigned,
        candidates=[
            CandidatePublic(
                statement=mask_pii(c.statement),
                sentence=masked[c.evidence.masked_start : c.evidence.masked_end],
                evidence=evidence_span(data["candidates"][i]["evidence"], masked),
                confidence=c.confidence,
            )
            for i, c in enumerate(pred.candidates)
        ],
        explanations=explanations_public(data["explanations"], masked),
        masked_text=masked,
        language=pred.language,
        flags=list(pred.flags),
        model_version=pred.model_version,
        sentence_kinds=[
            SentenceKindPublic(
                kind=s["kind"], score=s["score"], evidence=evidence_span(s["evidence"], masked)
            )
            for s in data["sentence_kinds"]
        ],
    )


def batch_item_error(error: ItemError) -> BatchItemError:
    """A domain item error as its place in a batch answer."""
    return BatchItemError(
        code=error.code,
        message=error.message,
        errors=[FieldError(field=e.field, message=e.message, type=e.type) for e in error.errors],
    )
