"""A vectorised open-addressing hash table over uint64 keys, and sparse counts of (row, col) pairs."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd


class HashTable:
    """Open addressing over uint64 keys, probed for a whole batch of keys at once."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        # Load factor <= 0.25: most n-grams of new text are not in the vocabulary, and a miss
        # probes until it meets an empty slot.
        bits = max(4, int(np.ceil(np.log2(max(1, len(keys)) * 4))))
        self.shift = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        self.max_probe = 0
        while len(pending):
            slots = (home[pending] + self.max_probe) & self.mask
            free = self.values[slots] < 0
            # Of several keys that want the same free slot, the first takes it.
            _, first = np.unique(slots, return_index=True)
            take = np.zeros(len(pending), dtype=bool)
            take[first] = True
            take &= free
            self.keys[slots[take]] = keys[pending[take]]
            self.values[slots[take]] = values[pending[take]]
            pending = pending[~take]
            self.max_probe += 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: the top bits of key * golden ratio spread even structured keys.
        return ((keys * GOLDEN) >> self.shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, or -1 where the key is absent."""
        out = np.full(len(keys), -1, dtype=np.int64)
        home = self._home(keys)
        pending = np.arange(len(keys))
        for probe in range(self.max_probe):
            slots = (home[pending] + probe) & self.mask
            values = self.values[slots]
            found = (values >= 0) & (self.keys[slots] == keys[pending])
            out[pending[found]] = values[found]
            pending = pending[(values >= 0) & ~found]
            if not len(pending):
                break
        return out


# Below this many pairs, one sort in numpy beats scipy's conversions and checks (~0.2 ms a call).
SMALL_COUNT = 20_000


def count_matrix(rows: np.ndarray, cols: np.ndarray, *, shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR of how often each (row, col) pair occurs, with sorted indices."""
    if len(rows) <= SMALL_COUNT:
        keys, counts = np.unique(rows * shape[1] + cols, return_counts=True)
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // shape[1], minlength=shape[0]), out=indptr[1:])
        return sp.csr_matrix(
            (counts.astype(np.float32), (keys % shape[1]).astype(np.int32), indptr), shape=shape
        )
    # scipy groups by row in linear time and then sorts each short row: ~1.5x faster than one
    # global sort of row * n_cols + col.
    ones = np.ones(len(rows), dtype=np.float32)
    counts = sp.csr_matrix((ones, (rows, cols)), shape=shape, dtype=np.float32)
    counts.sum_duplicates()
    return counts
