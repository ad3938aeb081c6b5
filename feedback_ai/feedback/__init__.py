"""Feedback items: ingest, store, classify, list and read."""
