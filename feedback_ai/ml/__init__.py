"""The framework-free ML core: texts in, typed results out."""

from feedback_ai.ml.artifacts import latest_version, load_model, resolve_model_dir
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.predict import predict
from feedback_ai.ml.text.pii import mask_pii
from feedback_ai.ml.types import FeedbackInput, Prediction

__all__ = [
    "FeedbackInput",
    "FeedbackModel",
    "Prediction",
    "latest_version",
    "load_model",
    "mask_pii",
    "predict",
    "resolve_model_dir",
]
