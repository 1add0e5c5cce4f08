"""Shrinking a counterexample found by a random walk to a short one.

Why: a random walk that breaks an invariant after 80 steps has usually wandered — elected,
crashed and re-elected, delivered messages nobody needed — and a reader needs the few
steps that matter. As Hypothesis does for test inputs, the shrinker tries smaller
candidates and keeps any that still fails the same way; each candidate is re-played
leniently, so that a step whose action instance is no longer enabled is skipped rather than
ending the candidate (delta debugging's "re-play what still applies"), and the trace is
cut at the first state that violates. Every accepted candidate is strictly shorter, so a
trace never grows. The passes, cheapest first, repeated until none helps or the budget
runs out:

1. cycles: a state met twice — everything between the two visits goes;
2. deletion: segments of halving length, from the end backwards (ddmin);
3. shortcuts: from each state of the trace, a small breadth-first search for a state
   further down the trace, or for a violating state, in fewer steps than the trace takes;
4. arguments: each step replaced by another instance of its action (another server, another
   message), which often lets a later deletion succeed.

The budget (`effort`) counts action calls — replayed steps and instances tried in the
shortcut searches — not seconds, so that a finding shrinks alike on every machine.

Then a bounded breadth-first search from the initial states for the same problem (the
engine's own `check`, within `bfs_states`): if it finds one, it is a shortest
counterexample and replaces the shrunk one; if it runs out of budget at depth d, every
counterexample has more than d states, a lower bound the report gives.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable

import attrs

from .spec import Failure, InvariantFailed, SpecInfo
from .successors import instances, instances_in_order

Steps = list[tuple[int, tuple]]


@attrs.define
class ShrinkReport:
    original: int  # states in the walk's trace (initial included)
    shrunk: int  # states in the trace reported
    shortest: int | None = None  # the BFS's length, when it found one within its budget
    shortest_above: int | None = None  # else: every counterexample has more states than this
    seconds: float = 0.0
    candidates: int = 0  # replays tried
    work: int = 0  # action calls (replayed steps, instances tried in the shortcut searches)
    stopped: str = ""  # why shrinking stopped early ('' when it ran to a fixed point)


class Shrinker:
    """Shrinks (initial state, steps) for one target: an invariant's name, or 'deadlock'."""

    def __init__(self, spec: Any, info: SpecInfo, kind: str, name: str, invariant: Callable | None,
                 deadlock_terminal: Callable[[Any], bool] | None, effort: int, seconds: float | None = None,
                 shortcut_states: int = 2_000):
        self.spec, self.info, self.kind, self.name = spec, info, kind, name
        self.invariant = invariant
        self.terminal = deadlock_terminal
        self.effort, self.seconds = effort, seconds
        self.shortcut_states = shortcut_states
        self.candidates = 0
        self.work = 0
        self.stopped = ""
        self.deadline = 0.0

    # -- the target --------------------------------------------------------------------------

    def bad(self, s: Any) -> bool:
        """Does `s` show the problem being shrunk? (An invariant that raises does not.)"""
        if self.kind == "deadlock":
            for _ in self.enabled(s):
                return False
            return not (self.terminal and self.terminal(s))
        try:
            r = self.invariant(self.spec, s)
        except InvariantFailed:
            return True
        except Exception:
            return False
        return r is not True and (isinstance(r, Failure) or not r)

    def enabled(self, s: Any):
        """Successors within the constraints: what a walk may take from `s`."""
        spec, acts, cons = self.spec, self.info.actions, self.info.constraints
        for ai, args in instances_in_order(self.info, spec, s):
            self.work += 1  # every instance tried costs a call, enabled or not
            t = acts[ai].fn(spec, s, *args)
            if t is not None and (not cons or all(c(spec, t) for c in cons)):
                yield ai, args, t

    def replay(self, init: Any, steps: Steps) -> tuple[Steps, list[Any]] | None:
        """Play `steps` from `init`, skipping those not enabled — an argument outside its
        parameter's domain in that state, an action returning None, a successor outside the
        constraints; cut at the first bad state. None when no state is bad, or the spec raises."""
        self.candidates += 1
        spec, acts, cons = self.spec, self.info.actions, self.info.constraints
        kept: Steps = []
        states = [init]
        if self.bad(init):
            return kept, states
        s = init
        try:
            for ai, args in steps:
                if acts[ai].params and args not in instances(acts[ai], spec, s):
                    continue  # the domain is part of the action: move(group) only for a group on the bank
                t = acts[ai].fn(spec, s, *args)
                if t is None or (cons and not all(c(spec, t) for c in cons)):
                    continue
                self.work += 1
                kept.append((ai, args))
                states.append(t)
                s = t
                if self.bad(t):
                    return kept, states
        except Exception:
            return None
        return None

    # -- the passes --------------------------------------------------------------------------

    def shrink(self, init: Any, steps: Steps) -> tuple[Steps, list[Any]]:
        """The shortest failing steps the passes reach within the budget (never longer)."""
        self.deadline = time.monotonic() + self.seconds if self.seconds is not None else float("inf")
        best = self.replay(init, steps)
        if best is None:  # cannot happen for a deterministic spec: keep what the walk found
            self.stopped = "the walk did not replay"
            return steps, []
        while True:
            before = len(best[0])
            for shrink_pass in (self._cycles, self._delete, self._shortcuts, self._arguments):
                best = shrink_pass(init, best)
                if self._out_of_time():
                    return best
            if len(best[0]) >= before:
                return best

    def _out_of_time(self) -> bool:
        """The budget is work, not seconds, so that the same finding shrinks to the same trace
        on any machine; a time limit, when given, is a safety net (and says so)."""
        if self.work > self.effort:
            self.stopped = f"the shrinking budget ({self.effort:,} action calls) ran out"
            return True
        if time.monotonic() > self.deadline:
            self.stopped = f"the shrinking time limit ({self.seconds:g} s) ran out"
            return True
        return False

    def _try(self, init: Any, best: tuple[Steps, list], candidate: Steps) -> tuple[Steps, list]:
        got = self.replay(init, candidate)
        return got if got is not None and len(got[0]) < len(best[0]) else best

    def _cycles(self, init: Any, best: tuple[Steps, list]) -> tuple[Steps, list]:
        steps, states = best
        first: dict[Any, int] = {}
        for j, s in enumerate(states):
            i = first.setdefault(s, j)
            if i != j:  # states[i] == states[j]: the steps between them go
                shorter = self._try(init, best, steps[:i] + steps[j:])
                return best if shorter is best else self._cycles(init, shorter)
        return best

    def _delete(self, init: Any, best: tuple[Steps, list]) -> tuple[Steps, list]:
        size = max(len(best[0]) // 2, 1)
        while size >= 1:
            i = len(best[0]) - size
            while i >= 0:
                if self._out_of_time():
                    return best
                steps = best[0]
                best = self._try(init, best, steps[:i] + steps[i + size:])
                i = min(i, len(best[0])) - size
            size //= 2
        return best

    def _shortcuts(self, init: Any, best: tuple[Steps, list]) -> tuple[Steps, list]:
        i = 0
        while i < len(best[1]) - 1:
            if self._out_of_time():
                return best
            steps, states = best
            path = self._shortcut_from(states, i)
            if path is not None:
                best = self._try(init, best, steps[:i] + path[0] + steps[path[1]:])
            i += 1
        return best

    def _shortcut_from(self, states: list[Any], i: int) -> tuple[Steps, int] | None:
        """A breadth-first search from states[i], at most `shortcut_states` states: a path to
        a bad state, or to states[j], shorter than the trace's; (path, j) or None."""
        later = {s: j for j, s in enumerate(states) if j > i + 1}
        end = len(states) - 1
        parent: dict[Any, tuple[Any, tuple[int, tuple]] | None] = {states[i]: None}
        queue = deque([(states[i], 0)])
        while queue and len(parent) < self.shortcut_states:
            s, d = queue.popleft()
            if d + 1 >= end - i:  # nothing shorter than the trace's remaining steps lies deeper
                break
            for ai, args, t in self.enabled(s):
                if t in parent:
                    continue
                parent[t] = (s, (ai, args))
                j = later.get(t)
                if self.bad(t):
                    return _path_to(parent, t), end
                if j is not None and d + 1 < j - i:
                    return _path_to(parent, t), j
                queue.append((t, d + 1))
        return None

    def _arguments(self, init: Any, best: tuple[Steps, list]) -> tuple[Steps, list]:
        i = 0
        while i < len(best[0]):
            if self._out_of_time():
                return best
            steps, states = best
            ai, args = steps[i]
            act = self.info.actions[ai]
            if act.params:
                for other in instances(act, self.spec, states[i]):
                    if other != args:
                        best = self._try(init, best, steps[:i] + [(ai, other)] + steps[i + 1:])
                        if best[0] is not steps:
                            break
            i += 1
        return best


def _path_to(parent: dict, t: Any) -> Steps:
    path = []
    while parent[t] is not None:
        s, step = parent[t]
        path.append(step)
        t = s
    path.reverse()
    return path
