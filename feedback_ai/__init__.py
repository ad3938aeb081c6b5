"""feedback-ai: turn raw customer feedback into requirements a product manager can act on."""

__version__ = "0.1.0"
