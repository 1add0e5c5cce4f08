"""Settling a chunk of new states: what the search does with the states its hot loop queued.

Why a separate step: the generated loop (codegen.py) only calls actions, hashes and tests
the set of recent fingerprints; everything that can be done for a whole chunk at once is
done here, once per chunk of the frontier — the vectorised lookup in the compact runs of
older fingerprints, logging parents, checking invariants — and everything that happens
once per search (a violation, a limit) re-creates the exact counts of the moment it
happened by re-expanding the chunk (`_rewind`), so the loop need not keep them.
"""

from __future__ import annotations

import itertools
from typing import Any

from .diagnose import run_invariants
from .successors import successors


class Stop(Exception):
    """Raised inside the loop to end the search with `status`."""

    def __init__(self, status: str, reason: str = ""):
        self.status, self.reason = status, reason


class Settling:
    """Mixed into Search: the methods that settle chunks (they share its state)."""

    def _count(self, fired: tuple) -> None:
        """Add a chunk's successors per action (and in all) to the totals."""
        self.generated += sum(fired)
        for ai, k in enumerate(fired):
            self.fired[ai] += k

    def _settle(self, nxt: list, parents: list, iids: list, fps: list, fired: tuple, probe: bool,
                frontier: list, start: int) -> None:
        """Settle a chunk: the states the loop appended to `nxt` since the last settling are
        new to the recent fingerprints; drop those the compact runs of older fingerprints
        hold, log the rest (parents and action instances), check invariants and limits.

        The chunk is frontier[start:] up to the state last expanded; `fired` holds its
        successors per action. A search that stops here reports the counts at the successor
        where it stopped, exactly as if it had stopped inside the loop (`_rewind`).
        """
        self._chunk = (frontier, start, fired, self.generated)
        self._count(fired)
        mark = self._mark
        if len(nxt) > mark:
            try:
                if self.seen.runs:
                    self._drop_known(nxt, mark, parents, iids, fps)
                self._admit(nxt, mark, parents, iids, probe, fps)
            finally:
                parents.clear()
                iids.clear()
                fps.clear()
            self._mark = len(nxt)
            self.seen.maybe_merge()

    def _drop_known(self, nxt: list, mark: int, parents: list, iids: list, fps: list) -> None:
        """Remove the chunk's states that the compact runs already hold (one vectorised lookup)."""
        fp = self.fingerprint or hash
        known = self.seen.known_in_bulk(fps if fps else map(fp, nxt[mark:]))
        if known is not None and known.any():
            keep = (~known).tolist()
            tail = nxt[mark:]
            del nxt[mark:]
            nxt.extend(itertools.compress(tail, keep))
            parents[:] = itertools.compress(parents, keep)
            iids[:] = itertools.compress(iids, keep)
            if fps:
                fps[:] = itertools.compress(fps, keep)

    def _admit(self, nxt: list, mark: int, parents: list, iids: list, probe: bool, fps: list | None = None) -> None:
        """Log the chunk's new states up to the limits, then check invariants on them in order
        (and, for liveness, note their fingerprints and the properties' predicates)."""
        log, n = self.log, len(nxt) - mark
        room = 0 if probe else n if self.max_states is None else min(n, self.max_states - len(log))
        first = len(log)
        if room == n:
            log.extend(parents, iids)
        elif room:
            log.extend(parents[:room], iids[:room])
        if self.graph is not None and room:
            self._observe(fps[:room], nxt[mark:mark + room], first)
        if self.invariant_fns and room:
            spec, holds = self.spec, self._holds
            try:
                ok = all(map(holds, itertools.repeat(spec, room), nxt[mark:mark + room]))
            except Exception:
                ok = False
            if not ok:
                for k in range(room):
                    self._check_new(nxt, mark, k, first + k)
        if self.exercise.pending and room:
            self.exercise.see(nxt[mark:mark + room])
        if self.symmetry_check is not None and room:
            self.symmetry_check.sample(nxt[mark:mark + room], mark == 0)
        if room < n:
            self._rewind(nxt[mark + room])
            del nxt[mark + room:]
            raise Stop("incomplete", self.depth_reason() if probe else self.states_reason())

    def _check_new(self, nxt: list, mark: int, k: int, j: int) -> None:
        """Check the chunk's k-th new state (log index j) on the slow path; a violation that
        ends the search ends it at that state, with the counts as of its generation."""
        t = nxt[mark + k]
        try:
            if self._holds(self.spec, t):
                return
        except Exception:
            pass
        try:  # only a violation that will be reported needs the counts of its moment
            found = run_invariants(self.spec, self.invariants, t)
            if all(name in self.violated for name, _ in found):
                self._met(name for name, _ in found)
                return  # (with --continue, states breaking an invariant already reported are common)
        except Exception:
            pass  # an error in an invariant: reported below
        saved = (self.generated, list(self.fired))
        self._rewind(t)
        try:
            self._check(t, j)
        except Stop:
            self.log.truncate(j + 1)
            del nxt[mark + k + 1:]
            raise
        self.generated, self.fired[:] = saved

    def _rewind(self, target: Any) -> None:
        """Set the counts to what they were when `target` (a new state of the chunk being
        settled) was generated: re-expand the chunk's states in order, counting successors
        per action, up to the first one with its fingerprint that passes the constraints
        (the loop kept exactly that one)."""
        frontier, start, fired, base = self._chunk
        fp, spec, constraints = self.fingerprint or hash, self.spec, self.info.constraints
        want = fp(target)
        self.generated = base
        for ai, k in enumerate(fired):
            self.fired[ai] -= k
        for s in frontier[start:]:
            for ai, _, t in successors(self.info, spec, s):
                self.fired[ai] += 1
                self.generated += 1
                if fp(t) == want and all(c(spec, t) for c in constraints):
                    return
