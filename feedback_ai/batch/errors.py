"""What a scoring engine raises when a chunk cannot be scored or its workers are gone."""

from feedback_ai.errors import FeedbackAIError


class ScoringError(FeedbackAIError, RuntimeError):
    """A chunk could not be scored (bad input, a worker died, the cluster went away)."""
