"""A worker's level loop, generated per spec (as codegen.py does for one process), and the
slow-path walks that re-make sent states (all enumerate in successors.py's order).

Every successor gets a key `(rank << 32) | g`: `rank` is its parent's position in the
level in the one-process search order, `g` its 1-based ordinal among the parent's
successors. Keys order successors exactly as the one-process search generates them, so
the owner of a fingerprint keeps the candidate with the least key — the one the
one-process search would have found first — whichever worker sent it and whenever.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from typing import Any, Callable

import attrs

from .spec import SpecInfo
from .successors import NONDETERMINISTIC, successors, unroll_actions

SHIFT = 32  # bits of a key that hold the successor ordinal
LOW = (1 << SHIFT) - 1
ACTION_BITS = 16  # under a view or symmetry a sent action is `ai | ordinal within the action << ACTION_BITS`
ACTION = (1 << ACTION_BITS) - 1
TICK = 1024  # expansions between looks at the clock and the abort flag


class Full(Exception):
    """This worker holds more new states than the level's budget: the rest is past the cut."""


class Halt(Exception):
    """An error, or a deadlock with stop_on_first: nothing after it in this worker counts."""


class Abort(Exception):
    """Time limit or Ctrl-C: end the level where it is."""


class BadState(Exception):
    """A successor is not a valid state: leave the loop and diagnose."""


_PROLOGUE = """
def expand(w, frontier, ranks, budget):
    spec = w.spec
    seen = w.seen
    covers = w.registry.covers
    register = w.registry.register
    nhs = w.nhs.append
    nkeys = w.nkeys.append
    nstates = w.nstates.append
    nacts = w.nacts.append
    out = w.out
    types = w.state_types
    T0 = next(iter(types)) if len(types) == 1 else None
    fired = w.fired
{fired_locals}
    nw = w.nworkers
    me = w.me
    batch = w.batch
    deadlock = w.deadlock
    n = len(w.nkeys)
    countdown = TICK
    i = -1
    try:
        for s in frontier:
            i += 1
            countdown -= 1
            if not countdown:
                countdown = TICK
                w.tick(i)
            base = ranks[i] << SHIFT
            g = 0
            try:
{body}
            except (Full, Halt, Abort, KeyboardInterrupt):
                raise
            except Exception:
                w.error(i, g)
            if not g and deadlock and not w.terminal(i):
                w.dead(i)
    finally:
{fired_store}
"""

# Per successor: count it, apply the constraint, and look its fingerprint up in `seen`,
# which holds the fingerprints this worker owns and has visited *and* those it has ever
# sent to their owners: a fingerprint sent once is visited by its owner from that level
# on, so sending it again could never make a state new. So a duplicate costs one set
# lookup, as in one process, and only a fingerprint new to this worker pays for the
# ownership test. A new state this worker owns joins the next level; for one it does not
# own, only the fingerprint, key and action go to the owner (the first sending is this
# worker's least key: see above). The state itself is not kept: few are ever asked for,
# and keeping every one until the level ends slowed the whole loop by ~10% (the live
# heap grows and new objects land in colder memory); the owner asks by key, and the
# state is made again from its parent (`regenerate`).
_HANDLE = """
g += 1
f{ai} += 1
if {constraint}:
{covers}    h = {fp}
    if h not in seen:
        if type(t) is not T0 and type(t) not in types and not w.admit_type(t):
            raise BadState
        seen.add(h)
        o = h % nw
        if o == me:
            nhs(h)
            n += 1
            nkeys(base | g)
            nstates(t)
            nacts({ai})
            if n > budget:
                n = w.recount()
                if n > budget:
                    raise Full
        else:
            ob = out[o]
            ob += (h, base | g, {sent_action})
            if len(ob) >= batch:
                w.flush(o)
"""


def candidate_width(fingerprint: Callable | None) -> int:
    """Integers per sent candidate: fingerprint, key, action, and under a view or symmetry hash(t)."""
    return 3 if fingerprint is None else 4


def build_expand(info: SpecInfo, fingerprint: Callable | None) -> Callable:
    """Compile `expand(worker, frontier, ranks, budget)` for one spec configuration."""
    ns: dict[str, Any] = {
        "TICK": TICK, "SHIFT": SHIFT, "ACTION_BITS": ACTION_BITS, "Full": Full, "Halt": Halt, "Abort": Abort, "BadState": BadState,
        "fingerprint": fingerprint,
    }
    def handle(ai: int, instance: str, constraint: str) -> str:
        # Under a view or symmetry a sent action also carries the successor's ordinal within its
        # action (above ACTION_BITS), so that re-making it skips the other actions (build_remake).
        # It also carries hash(t), the state's own hash: an owner holding a state of the same
        # fingerprint fetches the peer's only if the two differ (parallel_merge.py).
        ordinal = "(g - g0)" if info.actions[ai].params else "1"
        sent = f"{ai} | {ordinal} << ACTION_BITS, hash(t)" if fingerprint else str(ai)
        return _HANDLE.format(ai=ai, sent_action=sent, constraint=constraint,
                              fp="fingerprint(t)" if fingerprint else "hash(t)",
                              covers="" if fingerprint else "    if not covers(t):\n        register(t)\n")

    body, _ = unroll_actions(info, ns, handle, 16, "g0 = g\n" if fingerprint else "")
    n = len(info.actions)
    src = _PROLOGUE.format(
        body=body,
        fired_locals="\n".join(f"    f{ai} = 0" for ai in range(n)),
        fired_store="\n".join(f"        fired[{ai}] += f{ai}" for ai in range(n)) or "        pass",
    )
    if os.environ.get("PROTOCHECK_DUMP_LOOP"):
        print(src)
    exec(compile(src, f"<protocheck worker loop for {info.cls.__name__}>", "exec"), ns)
    return ns["expand"]


def build_remake(info: SpecInfo, fingerprint: Callable | None) -> Callable[[Any, Any, int, int], Any]:
    """Compile `remake(spec, s, sent, h)`: the successor of `s` a worker sent as action
    `sent & ACTION` with fingerprint h; None if `s` no longer has it (a nondeterministic spec).

    Either way only that action's instances are tried (two-phase commit, 8 RMs: 13 -> 7 us
    a state, against counting every successor up to the key's ordinal). Without a view or
    symmetry it takes the first successor with fingerprint h: that is the sent state, since
    a worker sends a fingerprint once, with the first successor that has it. Under a view or
    symmetry a fingerprint is a canonical form, which costs more than making the state, so
    the sender also sent the successor's ordinal within its action, and that one is taken."""
    remakers = []
    for act in info.actions:
        ns: dict[str, Any] = {}
        if fingerprint is None:  # want: the fingerprint
            pick = "if {constraint} and hash(t) == want:\n    return t\n"
        else:  # want: the ordinal within the action, counted as the loops count successors
            pick = "want -= 1\nif not want:\n    return t\n"
        body, _ = unroll_actions(attrs.evolve(info, actions=(act,)), ns,
                                 lambda _, instance, constraint: pick.format(constraint=constraint), 4)
        src = f"def remake(spec, s, want):\n{body}\n    return None\n"
        exec(compile(src, f"<protocheck remake {info.cls.__name__}.{act.name}>", "exec"), ns)
        remakers.append(ns["remake"])
    if fingerprint is None:
        return lambda spec, s, sent, h: remakers[sent](spec, s, h)
    return lambda spec, s, sent, h: remakers[sent & ACTION](spec, s, sent >> ACTION_BITS)


def regenerate(remake: Callable, spec: Any, frontier: list, ranks: list[int], wants: list[int]) -> list:
    """The sent states named by `wants` (flat key, action, fingerprint triples), made again
    from their parents in `frontier` (ranks ascending)."""
    states = []
    for key, ai, h in zip(wants[0::3], wants[1::3], wants[2::3]):
        t = remake(spec, frontier[bisect_left(ranks, key >> SHIFT)], ai, h)
        if t is None:
            raise RuntimeError("Re-making a state a peer asked for, " + NONDETERMINISTIC)
        states.append(t)
    return states


def count_fired(info: SpecInfo, spec: Any, frontier: list, upto: int, last: int | None, into: list[int]) -> None:
    """Add to `into` (per action) the successors of frontier[:upto], and the first `last` of frontier[upto]."""
    for s in frontier[:upto]:
        for ai, _, _ in successors(info, spec, s):
            into[ai] += 1
    if last and upto < len(frontier):
        for ai, _, _ in successors(info, spec, frontier[upto], last):
            into[ai] += 1
