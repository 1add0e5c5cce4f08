"""One breadth-first level, in plain Python: the search's semantics in one readable place.

`expand_level` is the reference: codegen.py generates the same loop specialised to a spec
(unrolled actions, no per-successor tests of options the spec does not use), which is
faster on models whose actions do little (docs/performance.md gives the margin), and
tests/test_level_loops.py holds the two to identical results. Set PROTOCHECK_LOOP=plain
(or `Search(..., loop="plain")`) to run this one: breakpoints, tracebacks and coverage
then reach the hot loop.

What a level does, per frontier state `s` (log index `k`), per successor `t` in the order
successors.py fixes:
- count it (per action: coverage; in all: TLC's "generated");
- drop it if it is `s` itself (an action says "no change" by returning its state: a
  stuttering step, counted as TLC counts it, never built or hashed);
- drop it if a @constraint rejects it;
- drop it if it was seen: first in `window` (the states of this level and the next, tested
  exactly, by ==: most successors are one of them), else by fingerprint (the state's hash
  — after making sure the value registry holds its parts, fingerprint.py says why — or
  its view, or its canonical image under a symmetry) in the recent part of the visited
  set; the compact runs of older fingerprints are consulted per chunk, when settling;
- else queue it for the next level with its parent and action instance;
- with liveness properties to check (`search.graph`), also record it as an edge of the
  state graph (its fingerprint and action instance), unless it equals its parent: that
  is a stuttering step, not an edge (state_graph.py).
A state without successors is a deadlock unless a @terminal predicate accepts it.
Every PROGRESS_EVERY frontier states the chunk is settled (settle.py: the runs, the
parent log, invariants, limits) and the clock is read. An exception in the spec's code
leaves the loop for the slow path that re-runs the one state and says what went wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settle import Stop
from .successors import successors

if TYPE_CHECKING:
    from .search import Search


class BadSuccessor(Exception):
    """A successor is not a valid state: leave the loop and diagnose its parent."""


def expand_level(search: Search, frontier: list[Any], probe: bool) -> list[Any]:
    """Expand `frontier` (one BFS level, consecutive log indices) and return the next level;
    with `probe` (max_depth reached), any new state ends the search."""
    from .search import PROGRESS_EVERY

    spec, info = search.spec, search.info
    constraints, fingerprint, registry = info.constraints, search.fingerprint, search.registry
    seen, window, types = search.seen.recent, search.window, search.state_types
    instance_id = search.log.instance_id
    graph = search.graph  # None unless liveness properties are to be checked
    keep_fps = bool(search.seen.runs) or graph is not None  # settling looks new fingerprints up in the runs
    n_actions = len(info.actions)
    first = len(search.log) - len(frontier)  # log index of frontier[0]
    nxt: list[Any] = []
    parents: list[int] = []
    iids: list[int] = []
    fps: list[int] = []
    fired = [0] * n_actions  # successors per action in the chunk not yet settled
    chunk_start = 0
    search._mark = 0
    search.queue_left = len(frontier)

    def settle() -> None:
        search._settle(nxt, parents, iids, fps, tuple(fired), probe, frontier, chunk_start)
        fired[:] = [0] * n_actions

    for lo in range(0, len(frontier), PROGRESS_EVERY):
        if lo:
            settle()
            chunk_start = lo
            search.queue_left = len(frontier) - lo + len(nxt)
            search._tick()
        for k, s in enumerate(frontier[lo:lo + PROGRESS_EVERY], first + lo):
            found = 0
            try:
                hs = search.key(s) if graph is not None else None
                for ai, args, t in successors(info, spec, s):
                    fired[ai] += 1
                    found += 1
                    if t is s:  # the action returned its state: "no change", seen, nothing to hash
                        continue
                    if constraints and not all(c(spec, t) for c in constraints):
                        continue
                    if t in window:
                        if graph is not None and t != s:
                            graph.edge_fps.append(search.key(t))
                            graph.edge_iids.append(instance_id(ai, args))
                        continue
                    if fingerprint is None:
                        if not registry.covers(t):
                            registry.register(t)
                        h = hash(t)
                    else:
                        h = fingerprint(t)
                    if graph is not None and h != hs:
                        graph.edge_fps.append(h)
                        graph.edge_iids.append(instance_id(ai, args))
                    if h in seen:
                        continue
                    if type(t) not in types and not search._admit_type(t):
                        raise BadSuccessor
                    seen.add(h)
                    window.add(t)
                    nxt.append(t)
                    parents.append(k)
                    iids.append(instance_id(ai, args))
                    if keep_fps:
                        fps.append(h)
            except (Stop, KeyboardInterrupt):
                search._count(tuple(fired))
                raise
            except Exception:
                search._count(tuple(fired))
                search._fail(search._diagnose_state(s, k, None, expand=True))
            if graph is not None:
                graph.ends.append(len(graph.edge_fps))
            if not found and search.deadlock and not search._terminal(s, k):
                settle()
                chunk_start = k - first + 1
                search._deadlock(k)
    settle()
    search.queue_left = len(nxt)
    search._tick()  # at least once a level, so that narrow levels still see the clock
    return nxt
