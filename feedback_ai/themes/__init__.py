"""Themes: counts and trends, discovered proposals and accepted custom themes."""
