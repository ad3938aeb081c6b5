"""Fixtures for the attack tier: the API tests' keys, one per role, on a clean database."""

from __future__ import annotations

from tests.api.conftest import admin_key, ingest_key, reviewer_key

__all__ = ["admin_key", "ingest_key", "reviewer_key"]
