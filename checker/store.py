"""The visited set: 64-bit fingerprints in 8 bytes each, not Python ints in a set.

A Python set of ints costs about 60 bytes per state (a 32-byte int object plus the
table), which caps a run at a few tens of millions of states. Here the bulk lives in a
sorted numpy array (8 bytes per state) and only the fingerprints added since the last
merge sit in a Python set, where the hot loop tests them at set speed. Candidates that
miss the set are checked against the array in one vectorised call per chunk. Merges
happen when the set reaches 1/8 of the array, so each fingerprint is copied O(log n)
times and the set adds at most ~8 bytes per state on top of the array.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

MIN_MERGE = 1 << 20  # below this many states everything stays in the set (small runs pay nothing)


class FingerprintStore:
    __slots__ = ("recent", "bulk")

    def __init__(self) -> None:
        self.recent: set[int] = set()
        self.bulk = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.recent) + int(self.bulk.size)

    def __contains__(self, fp: int) -> bool:
        if fp in self.recent:
            return True
        if not self.bulk.size:
            return False
        i = int(np.searchsorted(self.bulk, fp))
        return i < self.bulk.size and int(self.bulk[i]) == fp

    def add(self, fp: int) -> None:
        self.recent.add(fp)

    def known_in_bulk(self, fps: Iterable[int]) -> np.ndarray | None:
        """Boolean mask: which of `fps` are in the sorted array (None when it is empty)."""
        if not self.bulk.size:
            return None
        q = np.fromiter(fps, dtype=np.int64)
        pos = np.searchsorted(self.bulk, q)
        pos[pos == self.bulk.size] = 0
        return self.bulk[pos] == q

    def maybe_merge(self) -> None:
        """Move the set into the array once it is large enough to be worth it."""
        if len(self.recent) < max(MIN_MERGE, self.bulk.size >> 3):
            return
        add = np.fromiter(self.recent, dtype=np.int64, count=len(self.recent))
        add.sort()
        if self.bulk.size:
            # Drop fingerprints the array already holds (the set may hold re-found old states).
            pos = np.searchsorted(self.bulk, add)
            pos_c = np.minimum(pos, self.bulk.size - 1)
            fresh = self.bulk[pos_c] != add
            add, pos = add[fresh], pos[fresh]
            self.bulk = np.insert(self.bulk, pos, add)
        else:
            self.bulk = add
        self.recent.clear()  # cleared, not replaced: the hot loop holds a reference to this set

    def nbytes(self) -> int:
        """Approximate resident bytes (the array, and ~60 bytes per set entry)."""
        return int(self.bulk.nbytes) + 60 * len(self.recent)
