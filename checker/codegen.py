"""The hot loop, specialised to one spec by generating its source (as attrs and dataclasses do).

Why: per successor a generic loop pays for what the spec does not use — iterating over
an action table, packing arguments into tuples, testing whether there is a view, a
constraint or an invariant. Unrolled for the spec at hand, the loop does only the work
of a hand-written breadth-first search plus the bookkeeping a checker needs (counts,
coverage, parent pointers), which keeps engine time close to a bare loop's.

The generated function is `level(search, frontier, probe) -> next frontier`; set
PROTOCHECK_DUMP_LOOP=1 to print its source. It is level.py's loop, unrolled: the semantics
are documented there, and tests/test_level_loops.py holds the two to the same results.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any, Callable

from .level import BadSuccessor
from .settle import Stop
from .spec import SpecInfo
from .successors import unroll_actions

_PROLOGUE = """
def level(search, frontier, probe):
    spec = search.spec
    seen = search.seen.recent
    window = search.window
    covers = search.registry.covers
    register = search.registry.register
    types = search.state_types
    T0 = next(iter(types)) if len(types) == 1 else None
{fired_locals}
    instance_id = search.log.instance_id
    first = len(search.log) - len(frontier)
    nxt = []
    put = nxt.append
    parents = []
    pput = parents.append
    iids = []
    iput = iids.append
    fps = []
    hput = fps.append
    settle = search._settle
{record_locals}
    search._mark = 0
    cstart = 0
    search.queue_left = len(frontier)
    generated = 0
{plain_ids}
    idx = first - 1
    for lo in range(0, len(frontier), PROGRESS_EVERY):
        if lo:
            settle(nxt, parents, iids, fps, ({fired_tuple}), probe, frontier, cstart)
{fired_zero}
            cstart = lo
            search.queue_left = len(frontier) - lo + len(nxt)
            search._tick()
        for s in frontier[lo:lo + PROGRESS_EVERY]:
            idx += 1
{before}
            try:
{body}
            except (Stop, KeyboardInterrupt):
                search._count(({fired_tuple}))
                raise
            except Exception:
                search._count(({fired_tuple}))
                search._fail(search._diagnose_state(s, idx, None, expand=True))
{after}
{deadlock}
    settle(nxt, parents, iids, fps, ({fired_tuple}), probe, frontier, cstart)
    search.queue_left = len(nxt)
    search._tick()  # at least once a level, so that narrow levels still see the clock
    return nxt
"""

_DEADLOCK = """
if generated == before and not search._terminal(s, idx):
    settle(nxt, parents, iids, fps, ({fired_tuple}), probe, frontier, cstart)
{fired_zero}
    cstart = idx - first + 1
    search._deadlock(idx)
"""

# Per successor: count it, drop it if it is `s` itself ("no change"), apply the constraint, then test `window`, the states of the
# level being expanded and of the next one, exactly (by ==, at the cost of one hash, as a
# bare loop's set of states does): most successors are one of them (87% in two-phase
# commit). Only the others — new states, and states of older levels — pay for the
# fingerprint: with plain fingerprints the value registry's check (one C call;
# fingerprint.py says why) and a second hash, with a view or symmetry the view or the
# canonical image. A state whose fingerprint is not among the recent ones joins the next
# level; its parent and action instance go to parallel lists (no per-state tuple to build
# and take apart), and a new state type is vetted once. `Search._settle` then settles each
# chunk against the bulk of the visited set (which is when fingerprints are kept, `fps`),
# the invariants and the limits.
_HANDLE = """
{count}f{ai} += 1
if t is not s and {constraint} and t not in window:
{fingerprint}    if h not in seen:
        if type(t) is not T0 and type(t) not in types and not search._admit_type(t):
            raise Diagnose
        seen.add(h)
        window.add(t)
        put(t)
        pput(idx)
        iput({instance})
{keep_fp}"""

# With liveness properties to check, the loop also records the state graph (state_graph.py):
# every successor's fingerprint and action instance, unless it is its parent (a stutter). A
# successor outside `window` cannot be the parent, which is in it.
# A successor in `window` is one of the states seen, so its hash is its fingerprint.
_HANDLE_RECORD = """
{count}f{ai} += 1
if t is s:
    pass
elif t in window:
    h = {seen_fp}
    if h != hs:
        eput(h)
        eiput({instance})
        nedges += 1
else:
{fingerprint}    if h not in seen:
        if type(t) is not T0 and type(t) not in types and not search._admit_type(t):
            raise Diagnose
        seen.add(h)
        window.add(t)
        put(t)
        pput(idx)
        iput({instance})
        hput(h)
    eput(h)
    eiput({instance})
    nedges += 1
"""

_RECORD_LOCALS = """    graph = search.graph
    eput = graph.edge_fps.append
    eiput = graph.edge_iids.append
    endput = graph.ends.append
    nedges = len(graph.edge_fps)"""


def build_level(info: SpecInfo, fingerprint: Callable | None, deadlock: bool, keep_fps: bool,
                record: bool = False) -> Callable:
    """Compile the level-expansion function for one spec configuration.

    `deadlock`: count each state's successors to find those with none. `keep_fps`: also
    list the new states' fingerprints, which settling needs once the visited set has
    compact runs to look them up in (until then, not keeping them is cheaper). `record`:
    record the state graph for liveness (search.graph; no constraint can be in force).
    """
    if record and info.constraints:
        raise AssertionError("the state graph is recorded only without constraints")
    from .search import PROGRESS_EVERY

    ns: dict[str, Any] = {"PROGRESS_EVERY": PROGRESS_EVERY, "Stop": Stop, "Diagnose": BadSuccessor}
    fp_of = "fingerprint({})" if fingerprint else "hash({})"

    def handle(ai: int, instance: str, constraint: str) -> str:
        if record:
            return _HANDLE_RECORD.format(
                ai=ai,
                count="generated += 1\n" if deadlock else "",
                seen_fp=fp_of.format("t"),
                fingerprint="    h = fingerprint(t)\n" if fingerprint else "    if not covers(t):\n        register(t)\n    h = hash(t)\n",
                instance=instance,
            )
        return _HANDLE.format(
            ai=ai,
            count="generated += 1\n" if deadlock else "",
            constraint=constraint,
            fingerprint="    h = fingerprint(t)\n" if fingerprint else "    if not covers(t):\n        register(t)\n    h = hash(t)\n",
            instance=instance,
            keep_fp="        hput(h)\n" if keep_fps else "",
        )

    body, plain_ids = unroll_actions(info, ns, handle, 16)
    ns["fingerprint"] = fingerprint
    n = len(info.actions)
    fired_tuple = "".join(f"f{ai}, " for ai in range(n))
    zero = "\n".join(f"f{ai} = 0" for ai in range(n)) or "pass"
    dead = _DEADLOCK.format(fired_tuple=fired_tuple, fired_zero=textwrap.indent(zero, "    ")) if deadlock else ""
    src = _PROLOGUE.format(
        plain_ids="\n".join(plain_ids),
        body=body,
        fired_locals="\n".join(f"    f{ai} = 0" for ai in range(n)),
        fired_tuple=fired_tuple,
        fired_zero=textwrap.indent(zero, " " * 12),
        before="\n".join(([" " * 12 + "before = generated"] if deadlock else [])
                          + ([" " * 12 + "hs = " + fp_of.format("s")] if record else [])),
        record_locals=_RECORD_LOCALS if record else "",
        after=" " * 12 + "endput(nedges)" if record else "",
        deadlock=textwrap.indent(dead.strip("\n"), " " * 12) if deadlock else "",
    )
    if os.environ.get("PROTOCHECK_DUMP_LOOP"):
        print(src)
    exec(compile(src, f"<protocheck level loop for {info.cls.__name__}>", "exec"), ns)
    return ns["level"]
