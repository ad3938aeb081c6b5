"""Classifier heads: calibrated linear kind and theme heads, fast scoring, labels and explanations."""
