"""Errors raised by feedback-ai, each saying what went wrong and how to fix it."""


class FeedbackAIError(Exception):
    """Base class for every error feedback-ai raises on purpose."""


class DataError(FeedbackAIError, ValueError):
    """A dataset, taxonomy or input file is malformed."""


class ArtifactError(FeedbackAIError):
    """A model artifact is missing, tampered with or incompatible."""
