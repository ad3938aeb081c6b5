"""Column values of a stored prediction (prediction, prediction_theme, candidate_requirement rows).

The same columns feedback/ingest.py writes for a new item, for an item that is already stored.
"""

from __future__ import annotations

from typing import Any

from feedback_ai.db import utcnow
from feedback_ai.ids import new_id
from feedback_ai.ml import Prediction, mask_pii

Rows = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def prediction_rows(*, feedback_id: str, pred: Prediction, store_raw_text: bool = True) -> Rows:
    """A current prediction row, its theme rows and its candidate rows for one stored item.

    Without `store_raw_text`, the candidates keep the masked sentence and statement only.
    """
    pid, masked, now = new_id(), pred.masked_text, utcnow()
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
