"""Alembic migrations, shipped inside the package so `feedback-ai migrate` finds them."""
