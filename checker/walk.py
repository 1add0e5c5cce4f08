"""Random walks over a spec: the simulator's hot loop and its statistics.

Why its own loop and not the search's: a walk keeps no visited set to decide what to
expand and no parent log — it computes every enabled action instance of the current
state, takes one at random and goes on, so per step it does the work of a bare random-walk
loop plus a few counters. The successors are enumerated by a function generated for the
spec (successors.py's `unroll_actions`, the order every engine uses), so a walk's choice
depends only on its seed.

Each walk k draws from its own generator, seeded by (seed, k): walk k is the same walk
whichever process runs it and whatever ran before, so runs repeat exactly and parallel
workers can split the walks by index (simulate_parallel.py).
"""

from __future__ import annotations

import time
from collections import Counter
from random import Random
from typing import Any, Callable

import attrs

from . import swarm
from .diagnose import Diagnosis, diagnose, run_invariants
from .outcome import DEADLOCK_MESSAGE
from .spec import SpecInfo
from .states import admit_state_type
from .successors import unroll_actions

DISTINCT_CAP = 4_000_000  # fingerprints kept for the "distinct states seen" figure (about 300 MB)


def walk_seed(seed: int, k: int) -> str:
    """The seed of walk k: a string, which Random hashes with SHA-512, so that nearby
    (seed, k) pairs give unrelated walks and no two pairs share a stream."""
    return f"protocheck-walk/{seed}/{k}"


@attrs.define
class Finding:
    """What a walk found: the walk, its initial state and choices, and the problem (a
    Diagnosis; its `step`, when set, is a last step that raised rather than arrived)."""

    walk: int
    init: int
    steps: list[tuple[int, tuple]]
    diagnosis: Diagnosis
    mask: tuple[bool, ...] | None  # the walk's swarm configuration (its first phase's, when phased)
    period: int = 0  # steps per phase of a phased swarm walk (0: not phased)
    seconds: float = 0.0  # since the run began


@attrs.define
class WalkStats:
    """Per run (or per worker, merged by the parent): what the walks did."""

    n_actions: int
    traces: int = 0
    steps: int = 0
    generated: int = 0
    fired: list[int] = attrs.Factory(list)
    enabled: list[int] = attrs.Factory(list)
    new: list[int] = attrs.Factory(list)
    lengths: Counter = attrs.Factory(Counter)  # states per walk -> walks
    seen: set = attrs.Factory(set)
    capped: bool = False

    def __attrs_post_init__(self) -> None:
        for name in ("fired", "enabled", "new"):
            if not getattr(self, name):
                setattr(self, name, [0] * self.n_actions)

    def merge(self, other: "WalkStats") -> None:
        self.traces += other.traces
        self.steps += other.steps
        self.generated += other.generated
        for name in ("fired", "enabled", "new"):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, [a + b for a, b in zip(mine, theirs)])
        self.lengths.update(other.lengths)
        self.seen |= other.seen
        self.capped = self.capped or other.capped or len(self.seen) > DISTINCT_CAP

    @property
    def max_depth(self) -> int:
        return max(self.lengths, default=0)


def successor_collector(info: SpecInfo) -> Callable[[Any, Any, list, list], int]:
    """`collect(spec, s, out, enabled) -> successors computed`: appends (action index, args,
    next state) for each enabled instance that passes the constraints, in the engine's order,
    and counts it per action in `enabled`."""
    ns: dict[str, Any] = {"instance_id": lambda ai, args: args}

    def handle(ai: int, instance: str, constraint: str) -> str:
        return f"n += 1\nif {constraint}:\n    put(({ai}, {instance}, t))\n    enabled[{ai}] += 1\n"

    body, plain_ids = unroll_actions(info, ns, handle, 4)
    for line in plain_ids:  # the argument tuples of actions without parameters: () once, not per call
        exec(line.strip(), ns)
    src = f"def collect(spec, s, out, enabled):\n    n = 0\n    put = out.append\n{body}\n    return n\n"
    exec(src, ns)
    return ns["collect"]


class Walker:
    """Runs walks and keeps their statistics; stops at the first problem found."""

    def __init__(self, spec: Any, info: SpecInfo, invariants: dict[str, Callable], inits: list[Any],
                 seed: int, max_depth: int, deadlock: bool, swarm_mode: str, holds: Callable[[Any, Any], bool]):
        self.spec, self.info, self.invariants, self.inits = spec, info, invariants, inits
        self.seed, self.max_depth, self.deadlock, self.swarm_mode = seed, max_depth, deadlock, swarm_mode
        self.holds = holds
        self.collect = successor_collector(info)
        self.stats = WalkStats(len(info.actions))
        self.types: set[type] = {type(s) for s in inits}
        self.t0 = time.monotonic()

    def walk(self, k: int) -> Finding | None:
        """Walk k: from a random initial state, at most max_depth states (the initial one
        included), one uniformly chosen enabled instance per step among those the walk's
        swarm configuration prefers. Returns what it found, or None."""
        spec, collect, stats, holds = self.spec, self.collect, self.stats, self.holds
        fired, enabled, new, seen = stats.fired, stats.enabled, stats.new, stats.seen
        rng = Random(walk_seed(self.seed, k))
        rnd = rng.random
        mask, period = swarm.draw(rng, len(fired), self.swarm_mode)
        first_mask, switch = mask, period or -1
        ordinal = int(rnd() * len(self.inits))
        s = self.inits[ordinal]
        steps: list[tuple[int, tuple]] = []
        choose = steps.append
        types = self.types
        cap = not stats.capped
        if cap:
            seen.add(hash(s))
        generated = 0
        try:
            for i in range(self.max_depth - 1):
                if i == switch:  # a phased swarm walk: the next phase's subset
                    mask, switch = swarm.subset(rng, len(fired)), switch + period
                out: list = []
                computed = collect(spec, s, out, enabled)
                generated += computed
                if not out:
                    if not computed and self.deadlock and not self._terminal(s):
                        return self._found(k, ordinal, steps, Diagnosis("deadlock", "deadlock", DEADLOCK_MESSAGE, None, None),
                                           (first_mask, period))
                    break
                if mask is not None:  # a swarm walk: a tuple per action, or swarm.Instances per (action, args)
                    preferred = [x for x in out if mask[x[0]]] if mask.__class__ is tuple else [x for x in out if mask[x[:2]]]
                    if preferred:
                        out = preferred
                ai, args, t = out[int(rnd() * len(out))]
                fired[ai] += 1
                if t.__class__ not in types and not admit_state_type(types, t):
                    raise TypeError("a successor is not a valid state")
                if cap:
                    h = hash(t)
                    if h not in seen:
                        seen.add(h)
                        new[ai] += 1
                        if len(seen) >= DISTINCT_CAP:
                            stats.capped = cap = False
                if not holds(spec, t):
                    found = self._invariant_problem(t)
                    if found is not None:
                        choose((ai, args))
                        return self._found(k, ordinal, steps, found, (first_mask, period))
                choose((ai, args))  # only now: on an exception, `steps` ends in `s`, which the slow path re-runs
                s = t
        except Exception:
            diag = diagnose(spec, self.info, self.invariants, s, None, set(types), expand=True)
            return self._found(k, ordinal, steps, diag, (first_mask, period))
        finally:
            stats.traces += 1
            stats.steps += len(steps)
            stats.generated += generated
            stats.lengths[len(steps) + 1] += 1
        return None

    def check_inits(self) -> Finding | None:
        """The initial states, before any walk: each is checked once, as `check` does."""
        for ordinal, s in enumerate(self.inits):
            if self.holds(self.spec, s):
                continue
            found = self._invariant_problem(s)
            if found is not None:
                return Finding(-1, ordinal, [], found, None, 0, time.monotonic() - self.t0)
        return None

    def _invariant_problem(self, t: Any) -> Diagnosis | None:
        try:
            failed = run_invariants(self.spec, self.invariants, t)
        except Exception:
            return diagnose(self.spec, self.info, self.invariants, t, None, set(self.types), expand=False)
        if not failed:
            return None  # the fast check said otherwise only by returning a truthy non-True value
        name, message = failed[0]
        return Diagnosis("invariant", name, message, None, None)

    def _terminal(self, s: Any) -> bool:
        return any(term(self.spec, s) for term in self.info.terminals)

    def _found(self, k: int, ordinal: int, steps: list, diag: Diagnosis, config: tuple) -> Finding:
        return Finding(k, ordinal, list(steps), diag, config[0], config[1], time.monotonic() - self.t0)

