"""Column values of the rows one new item becomes, and a read-only view of them."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from feedback_ai.db import utcnow
from feedback_ai.feedback.items import FeedbackCreate
from feedback_ai.feedback.privacy import mask_json, mask_optional
from feedback_ai.ids import new_id
from feedback_ai.ml import Prediction as ModelPrediction
from feedback_ai.ml import mask_pii

Rows = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def new_rows(
    item: FeedbackCreate,
    pred: ModelPrediction,
    digest: str,
    actor_key_id: str | None,
    store_raw_text: bool = True,
) -> tuple[list[dict[str, Any]], ...]:
    """Column values of the rows to insert: [feedback], [prediction], themes, candidates.

    Without `store_raw_text`, the masked text takes the original's place everywhere it would be
    kept (text, account name, metadata, the candidates' sentences and statements).
    """
    fid, masked, now = new_id(), pred.masked_text, utcnow()
    raw = store_raw_text
    feedback = {
        "id": fid,
        "source": item.source,
        "external_id": item.external_id,
        "text": item.text if raw else masked,
        "masked_text": masked,
        "account_id": item.account_id,
        "account_name": item.account_name if raw else mask_optional(item.account_name),
        "arr": item.arr,
        "plan": item.plan,
        "segment": item.segment,
        "received_at": item.received_at or now,
        "created_at": now,
        "extra": item.metadata if raw else mask_json(item.metadata),
        "content_sha256": digest,
        "created_by_key_id": actor_key_id,
    }
    prediction, themes, candidates = prediction_rows(
        feedback_id=fid, pred=pred, store_raw_text=raw, now=now
    )
    return [feedback], [prediction], themes, candidates


def prediction_rows(
    *,
    feedback_id: str,
    pred: ModelPrediction,
    store_raw_text: bool = True,
    now: datetime | None = None,
) -> Rows:
    """A current prediction row, its theme rows and its candidate rows for one stored item.

    Without `store_raw_text`, the candidates keep the masked sentence and statement only.
    """
    pid, masked, now = new_id(), pred.masked_text, now or utcnow()
    prediction = {
        "id": pid,
        "feedback_id": feedback_id,
        "is_current": True,
        "model_version": pred.model_version,
        "kind": pred.kind,
        "kind_score": pred.kind_score,
        "kind_scores": pred.kind_scores,
        "theme_scores": pred.theme_scores,
        "unassigned": pred.unassigned,
        "explanations": [e.to_dict() for e in pred.explanations],
        "language": pred.language,
        "flags": list(pred.flags),
        "uncertainty": pred.uncertainty,
        "created_at": now,
    }
    themes = [
        {"prediction_id": pid, "theme_id": t.label, "score": t.score, "rank": r}
        for r, t in enumerate(pred.themes)
    ]
    candidates = []
    for r, c in enumerate(pred.candidates):
        masked_sentence = masked[c.evidence.masked_start : c.evidence.masked_end]
        candidates.append(
            {
                "id": new_id(),
                "prediction_id": pid,
                "feedback_id": feedback_id,
                "rank": r,
                "statement": c.statement if store_raw_text else mask_pii(c.statement),
                "sentence": c.sentence if store_raw_text else masked_sentence,
                "masked_sentence": masked_sentence,
                "start": c.evidence.start,
                "end": c.evidence.end,
                "masked_start": c.evidence.masked_start,
                "masked_end": c.evidence.masked_end,
                "confidence": c.confidence,
                "model_version": pred.model_version,
                "created_at": now,
            }
        )
    return prediction, themes, candidates


def stored_view(
    feedback: list[dict[str, Any]],
    prediction: list[dict[str, Any]],
    themes: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
) -> SimpleNamespace:
    """What was just inserted, read like a loaded Feedback row (the response needs no query)."""
    current = SimpleNamespace(
        **prediction[0],
        themes=[SimpleNamespace(**t) for t in themes],
        candidates=[SimpleNamespace(**c) for c in candidates],
    )
    return SimpleNamespace(**feedback[0], current_prediction=current)
