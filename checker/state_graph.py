"""The state graph a liveness check needs, recorded while the breadth-first search runs.

Why recorded, not stored: the search keeps no states (only fingerprints and parent
pointers), and a second exploration to find the edges would double the time. So the loop
notes, per successor, its fingerprint and action instance (12 bytes), and per distinct
state its fingerprint and where its successors end (16 bytes); predicates of the
properties are evaluated once per new state, one byte each. At the end, one sort of the
states' fingerprints turns every edge's fingerprint into a state index (`freeze`), giving
the graph in compressed sparse rows: `indptr` (per state), `dst` and `eid` (per edge).

A successor equal to its parent is not an edge: in TLA+ terms it is a stuttering step,
which neither enables nor takes an action (liveness.py).
"""

from __future__ import annotations

from array import array
from typing import Any, Callable

import numpy as np

from .deadline import timer_held


class StateGraph:
    """Recording side (the loop appends) and, after `freeze()`, the graph as arrays."""

    def __init__(self, predicates: list[Callable[[Any], bool]]) -> None:
        self.predicates = predicates  # state -> bool, one per property-instance predicate
        self.state_fps = array("q")  # fingerprint per state, in log order
        self.ends = array("q")  # per expanded state: number of edges recorded so far
        self.edge_fps = array("q")  # per edge: the successor's fingerprint
        self.edge_iids = array("i")  # per edge: the action instance (ParentLog.instance_id)
        self.bits = [bytearray() for _ in predicates]
        self.indptr = self.dst = self.eid = None

    def add_states(self, fps: list[int], states: list[Any]) -> None:
        """Log new states (in log order): their fingerprints and their predicates' values."""
        with timer_held():  # the fingerprints and the bits stay the same length
            self.state_fps.fromlist(fps)
            for bits, pred in zip(self.bits, self.predicates):
                bits.extend(map(pred, states))

    @property
    def edges(self) -> int:
        return len(self.edge_fps) if self.dst is None else int(self.dst.size)

    def freeze(self) -> None:
        """Turn the successors' fingerprints into state indices (one sort, vectorised lookups)."""
        n = len(self.state_fps)
        if len(self.ends) != n:
            raise AssertionError(f"state graph: {len(self.ends)} states expanded, {n} logged")
        fps = np.frombuffer(self.state_fps, dtype=np.int64)
        order = np.argsort(fps, kind="stable")
        ordered = fps[order]
        index_type = np.int32 if n < 2**31 else np.int64
        order = order.astype(index_type)
        efps = np.frombuffer(self.edge_fps, dtype=np.int64)
        dst = np.empty(efps.size, dtype=index_type)
        step = 1 << 20  # edges per lookup: bounds the 8-byte temporaries
        for lo in range(0, efps.size, step):
            chunk = efps[lo:lo + step]
            pos = np.searchsorted(ordered, chunk)
            pos[pos == n] = 0
            if not np.array_equal(ordered[pos], chunk):
                raise AssertionError("state graph: a successor's fingerprint is not among the states logged")
            dst[lo:lo + step] = order[pos]
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        self.indptr[1:] = np.frombuffer(self.ends, dtype=np.int64)
        self.dst = dst
        eid = np.frombuffer(self.edge_iids, dtype=np.int32)
        self.eid = eid.astype(np.int16) if eid.size and int(eid.max()) < 2**15 else eid  # 2 bytes an edge when they fit
        self.edge_fps = self.state_fps = self.ends = None  # the arrays replace them

    def predicate(self, k: int) -> np.ndarray:
        """Predicate k's value in every state, as a boolean array."""
        return np.frombuffer(self.bits[k], dtype=np.bool_)
