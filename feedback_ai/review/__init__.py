"""The PM review queue: model suggestions kept apart from human decisions, with their records."""
