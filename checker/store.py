"""The visited set: 64-bit fingerprints in 8 bytes each, not Python ints in a set.

A Python set of ints costs about 60 bytes per state (a 32-byte int object plus the
table), which caps a run at a few tens of millions of states. Here the bulk lives in
sorted numpy arrays ("runs", 8 bytes per state) and only the fingerprints added since
the last flush to a run sit in a Python set, where the hot loop tests them at set speed.
Candidates that miss the set are checked against the runs in one vectorised call per run
and per chunk of successors.

Most fingerprints looked up in the runs are new states, absent from all of them: a
blocked Bloom filter over the runs (bloom.py) rules out ~97% of those with one memory
access, where each binary search costs a chain of cache misses once the runs outgrow the
cache (10 million states: 29.9 s without it, 11.7 s with it).

Runs are merged like a binary counter (two runs of similar size become one) but never
beyond MAX_RUN entries, so a merge never copies the whole visited set: peak memory stays
close to resident memory, and lookups cost one `searchsorted` per run.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .bloom import BlockedBloom

MIN_MERGE = 1 << 20  # fingerprints kept in the Python set before they move to a run
MAX_RUN = 1 << 23  # runs stop merging at this size (8M entries, 64 MB)
SORT_QUERIES = 4096  # lookups of more fingerprints than this are sorted first


class FingerprintStore:
    __slots__ = ("recent", "runs", "bloom", "min_merge")

    def __init__(self, min_merge: int | None = None) -> None:
        self.min_merge = min_merge  # None: MIN_MERGE
        self.recent: set[int] = set()
        self.runs: list[np.ndarray] = []
        self.bloom: BlockedBloom | None = None  # over the runs: most lookups are of new fingerprints

    def __len__(self) -> int:
        return len(self.recent) + sum(int(r.size) for r in self.runs)

    def __contains__(self, fp: int) -> bool:
        if fp in self.recent:
            return True
        for run in self.runs:
            i = int(np.searchsorted(run, fp))
            if i < run.size and int(run[i]) == fp:
                return True
        return False

    def add(self, fp: int) -> None:
        self.recent.add(fp)

    def known_in_bulk(self, fps: Iterable[int] | np.ndarray) -> np.ndarray | None:
        """Boolean mask: which of `fps` are in the runs (None when there are no runs)."""
        if not self.runs:
            return None
        return self._known(fps if isinstance(fps, np.ndarray) else np.fromiter(fps, dtype=np.int64))

    def _known(self, q: np.ndarray) -> np.ndarray:
        if self.bloom is not None:
            maybe = self.bloom.may_contain(q)
            mask = np.zeros(q.size, dtype=bool)
            if maybe.any():
                mask[maybe] = self._search(q[maybe])
            return mask
        return self._search(q)

    def _search(self, q: np.ndarray) -> np.ndarray:
        order = None
        if q.size > SORT_QUERIES:  # sorted queries walk each run in order: far fewer cache misses
            order = q.argsort()
            q = q[order]
        mask = np.zeros(q.size, dtype=bool)
        for run in self.runs:
            pos = np.searchsorted(run, q)
            pos[pos == run.size] = 0
            mask |= run[pos] == q
        if order is not None:
            mask[order] = mask.copy()
        return mask

    def maybe_merge(self) -> None:
        """Move the set into a new run once it is large enough to be worth it."""
        if len(self.recent) < (self.min_merge or MIN_MERGE):
            return
        add = np.fromiter(self.recent, dtype=np.int64, count=len(self.recent))
        self.recent.clear()  # cleared, not replaced: the hot loop holds a reference to this set
        add.sort()
        if self.runs:
            add = add[~self._known(add)]  # the set may hold re-found old states
        if self.bloom is None or self.bloom.count + add.size > self.bloom.capacity:
            self.bloom = BlockedBloom(3 * (sum(int(r.size) for r in self.runs) + add.size) // 2)
            for run in self.runs:
                self.bloom.add(run)
        self.bloom.add(add)
        runs = self.runs
        runs.append(add)
        while len(runs) > 1 and runs[-2].size <= 2 * runs[-1].size and runs[-2].size + runs[-1].size <= MAX_RUN:
            merged = np.concatenate((runs[-2], runs.pop()))
            merged.sort(kind="stable")  # two sorted runs: timsort merges them in linear time
            runs[-1] = merged
