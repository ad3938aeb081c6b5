"""What a role may see of an item, and what is kept of it: PII masked in free-form fields."""

from __future__ import annotations

from typing import Any

from feedback_ai.ml import mask_pii


def mask_optional(value: str | None) -> str | None:
    """mask_pii(value), keeping None."""
    return None if value is None else mask_pii(value)


def mask_json(value: Any) -> Any:
    """A copy of a JSON value with PII masked in every string it holds (keys stay as sent)."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {k: mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value
