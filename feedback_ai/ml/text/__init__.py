"""Text preparation: normalisation with an offset map, PII masking, language, sentences and the parser."""
