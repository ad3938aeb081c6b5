"""Duplicate grouping: statement normalisation and matching candidates to requirements."""
