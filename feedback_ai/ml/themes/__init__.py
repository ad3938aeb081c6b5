"""Themes: the taxonomy, discovery of new themes, trends and the priority score."""
