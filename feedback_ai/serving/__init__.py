"""Which model is served: the registry of trusted artifacts, the champion pointer, hot swaps."""
