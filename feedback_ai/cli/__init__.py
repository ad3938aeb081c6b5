"""The `feedback-ai` command-line tool, one module per command group."""
