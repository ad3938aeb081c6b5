"""Domain errors of the model registry; feedback_ai/api_errors.py maps them to HTTP."""

from __future__ import annotations

from feedback_ai.errors import FeedbackAIError


class ModelNotFound(FeedbackAIError):
    """No registered model has that version."""


class ModelRejected(FeedbackAIError):
    """The model cannot be registered, promoted or rolled back to (names the reason)."""


class ModelConflict(FeedbackAIError):
    """The registry's state does not allow this (another model owns the version, no earlier champion)."""
