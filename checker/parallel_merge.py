"""Merging the candidates peers send for one level into the states a worker found itself.

Per fingerprint the owner keeps the least key (parallel_loop.py). At two-phase commit
with 8 RMs, 96% of the ~840k candidates a worker receives are states it found itself in
the same level, and half of those carry a smaller key. A Python loop over them cost
0.42 s per worker (a dict lookup and a list update each); here each batch is matched
against the sorted fingerprints of the worker's own states in a few numpy calls, and
only the candidates it does not hold (~4%) take the per-item path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .store import FingerprintStore


class LevelMerge:
    """The keys and actions of a level's new states (own first, then those only peers found),
    updated by each batch of candidates; `need` names the peer that must send each state
    this worker cannot make itself."""

    def __init__(self, hs: list[int], keys: list[int], acts: list[int], states: list[Any], store: FingerprintStore,
                 width: int):
        self.hs, self.states, self.store, self.width = hs, states, store, width
        self.keys = np.array(keys, dtype=np.int64)
        self.acts = np.array(acts, dtype=np.int64)
        self.own: tuple[np.ndarray, np.ndarray] | None = None  # own fingerprints sorted, and their indices
        self.others: dict[int, int] = {}  # fingerprint -> index, for states only peers found
        self.more_keys: list[int] = []
        self.more_acts: list[int] = []
        self.need: dict[int, int] = {}  # index -> the peer that sent its key (and makes its state)

    def add(self, src: int, data: bytes) -> None:
        """Candidates (fingerprint, key, action, and under a view or symmetry hash(t)) from peer
        `src`, each fingerprint at most once: a worker sends a fingerprint only the first time
        it meets it."""
        cand = np.frombuffer(data, dtype=np.int64).reshape(-1, self.width)
        hs, keys, acts = cand[:, 0], cand[:, 1], cand[:, 2]
        if self.own is None:
            mine = np.array(self.hs[:self.keys.size], dtype=np.int64)
            order = np.argsort(mine, kind="stable")
            self.own = mine[order], order
        mine, order = self.own
        if mine.size:
            asc = np.argsort(hs)  # sorted queries walk the fingerprints once: 2x faster on big levels
            pos = np.empty(hs.size, dtype=np.intp)
            pos[asc] = np.searchsorted(mine, hs[asc])
            pos[pos == mine.size] = 0
            held = mine[pos] == hs
            j = order[pos[held]]
            better = keys[held] < self.keys[j]
            j = j[better]
            self.keys[j] = keys[held][better]
            self.acts[j] = acts[held][better]
            if self.width == 4 and j.size:  # under a view or symmetry, a better key may carry another state
                self._compare_states(src, j.tolist(), cand[:, 3][held][better].tolist())
            rest = ~held
            hs, keys, acts = hs[rest], keys[rest], acts[rest]
        if self.store.runs:  # states this worker visited before its set moved to the runs
            rest = ~self.store.known_in_bulk(hs)
            hs, keys, acts = hs[rest], keys[rest], acts[rest]
        self._add_others(src, hs.tolist(), keys.tolist(), acts.tolist())

    def _compare_states(self, src: int, js: list[int], exact: list[int]) -> None:
        """Held states whose least key is now a peer's: fetch the peer's state only if it differs
        from the one held, as its hash(t) tells (kafka-controller with symmetry: 46,000 states
        fetched per worker without this test, 3,900 with it)."""
        states, need = self.states, self.need
        for j, e in zip(js, exact):
            if hash(states[j]) == e:
                need.pop(j, None)  # the held state is the one: forget a fetch a worse key asked for
            else:
                need[j] = src

    def _add_others(self, src: int, hs: list[int], keys: list[int], acts: list[int]) -> None:
        """Candidates this worker did not find in this level: old states, or states only peers found."""
        others, seen, need, more_keys, more_acts = self.others, self.store.recent, self.need, self.more_keys, self.more_acts
        first = self.keys.size
        for h, key, ai in zip(hs, keys, acts):
            j = others.get(h)
            if j is None:
                if h in seen:
                    continue
                seen.add(h)
                j = others[h] = first + len(more_keys)
                self.hs.append(h)
                self.states.append(None)
                more_keys.append(key)
                more_acts.append(ai)
                need[j] = src
            elif key < more_keys[j - first]:  # two peers found it: keep the least key
                more_keys[j - first] = key
                more_acts[j - first] = ai
                need[j] = src

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Keys and actions of every new state of the level, by index."""
        if not self.more_keys:
            return self.keys, self.acts
        return (np.concatenate((self.keys, np.array(self.more_keys, dtype=np.int64))),
                np.concatenate((self.acts, np.array(self.more_acts, dtype=np.int64))))
