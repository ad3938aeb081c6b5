"""Requirements: grouped candidate requirements with evidence, aggregates and priority."""
