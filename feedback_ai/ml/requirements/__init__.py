"""Requirement extraction: the sentence detector and the statement rules over the parse."""
