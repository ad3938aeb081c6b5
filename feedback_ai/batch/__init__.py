"""Batch scoring for imports and rescoring: one interface, in-process, a process pool or Dask."""
