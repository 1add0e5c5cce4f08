"""The hot loop, specialised to one spec by generating its source (as attrs and dataclasses do).

Why: per successor a generic loop pays for what the spec does not use — iterating over
an action table, packing arguments into tuples, testing whether there is a view, a
constraint or an invariant. Unrolled for the spec at hand, the loop does only the work
of a hand-written breadth-first search plus the bookkeeping a checker needs (counts,
coverage, parent pointers), which keeps engine time close to a bare loop's.

The generated function is `level(search, frontier, probe) -> next frontier`; set
PROTOCHECK_DUMP_LOOP=1 to print its source. Semantics are documented in search.py.
"""

from __future__ import annotations

import itertools
import os
import textwrap
from typing import Any, Callable

from .spec import SET_TYPES, InvariantFailed, SpecInfo, sorted_domain

_PROLOGUE = """
def level(search, frontier, probe):
    spec = search.spec
    seen = search.seen.recent
    types = search.state_types
    fired = search.fired
    T0 = next(iter(types)) if len(types) == 1 else None
{fired_locals}
    instance_id = search.log.instance_id
    first = len(search.log) - len(frontier)
    nxt = []
    cands = []
    append = cands.append
    cstart = 0
    search.queue_left = len(frontier)
    generated = 0
{plain_ids}
    idx = first - 1
    for lo in range(0, len(frontier), PROGRESS_EVERY):
        if lo:
            search._flush(cands, generated, nxt, probe, ({fired_tuple}), frontier, cstart)
{fired_zero}
            cstart = lo
            generated = 0
            search.queue_left = len(frontier) - lo + len(nxt)
            search._tick()
        for s in frontier[lo:lo + PROGRESS_EVERY]:
            idx += 1
            before = generated
            try:
{body}
            except (Stop, KeyboardInterrupt):
{fired_store4}
                search.generated += generated
                raise
            except Exception:
{fired_store4}
                search.generated += generated
                search._fail(search._diagnose_state(s, idx, None, expand=True))
            if generated == before and search.deadlock and not search._terminal(s, idx):
                search._flush(cands, generated, nxt, probe, ({fired_tuple}), frontier, cstart)
{fired_zero4}
                cstart = idx - first + 1
                generated = 0
                search._deadlock(idx)
    search._flush(cands, generated, nxt, probe, ({fired_tuple}), frontier, cstart)
    search.queue_left = len(nxt)
    search._tick()  # at least once a level, so that narrow levels still see the clock
    return nxt
"""

# Per successor: count it, vet a new type once, apply the constraint, and keep it as a
# candidate if its fingerprint is not among the recent ones. `Search._flush` then settles
# the candidates against the bulk of the visited set and handles the new states.
_HANDLE = """
generated += 1
f{ai} += 1
if type(t) is not T0 and type(t) not in types and not search._admit_type(t):
    raise Diagnose
if {constraint}:
    h = {fp}
    if h not in seen:
        seen.add(h)
        append((h, t, idx, {instance}, {ai}, generated))
"""


def build_level(info: SpecInfo, invariants: dict[str, Callable], fingerprint: Callable | None) -> Callable:
    """Compile the level-expansion function for one spec configuration."""
    from .search import PROGRESS_EVERY, _Diagnose, _Stop

    ns: dict[str, Any] = {
        "PROGRESS_EVERY": PROGRESS_EVERY, "Stop": _Stop, "Diagnose": _Diagnose, "InvariantFailed": InvariantFailed,
        "product": itertools.product, "SETS": SET_TYPES, "sorted_domain": sorted_domain,
    }
    cons = []
    for k, c in enumerate(info.constraints):
        ns[f"con{k}"] = c
        cons.append(f"con{k}(spec, t)")
    plain_ids, body = [], []
    for ai, act in enumerate(info.actions):
        ns[f"fn{ai}"] = act.fn
        if not act.params:
            plain_ids.append(f"    iid{ai} = instance_id({ai}, ())")
            head, call, instance = "", f"t = fn{ai}(spec, s)", f"iid{ai}"
        elif len(act.params) == 1:
            ns[f"dom{ai}"] = act.domains[0]
            head = (f"vals = dom{ai}(spec, s)\nif vals.__class__ in SETS:\n    vals = sorted_domain(vals)\n"
                    f"for v in vals:\n")
            call, instance = f"t = fn{ai}(spec, s, v)", f"instance_id({ai}, (v,))"
        else:
            doms = []
            for k, d in enumerate(act.domains):
                ns[f"dom{ai}_{k}"] = d
                doms.append(f"dom{ai}_{k}(spec, s)")
            head = (f"for args in product(*[sorted_domain(d) if d.__class__ in SETS else d for d in ({', '.join(doms)},)]):\n")
            call, instance = f"t = fn{ai}(spec, s, *args)", f"instance_id({ai}, args)"
        handle = _HANDLE.format(
            ai=ai,
            constraint=" and ".join(cons) or "True",
            fp="fingerprint(t)" if fingerprint else "hash(t)",
            instance=instance,
        )
        inner = f"{call}\nif t is not None:\n" + textwrap.indent(handle.strip("\n"), "    ")
        block = head + (textwrap.indent(inner, "    ") if head else inner)
        body.append(textwrap.indent(block, " " * 16))
    ns["fingerprint"] = fingerprint
    n = len(info.actions)
    store = [f"fired[{ai}] += f{ai}; f{ai} = 0" for ai in range(n)] or ["pass"]
    src = _PROLOGUE.format(
        plain_ids="\n".join(plain_ids),
        body="\n".join(body) or "                pass",
        fired_locals="\n".join(f"    f{ai} = 0" for ai in range(n)),
        fired_store4="\n".join(" " * 16 + line for line in store),
        fired_tuple="".join(f"f{ai}, " for ai in range(n)),
        fired_zero="\n".join(" " * 12 + f"f{ai} = 0" for ai in range(n)) or " " * 12 + "pass",
        fired_zero4="\n".join(" " * 16 + f"f{ai} = 0" for ai in range(n)) or " " * 16 + "pass",
    )
    if os.environ.get("PROTOCHECK_DUMP_LOOP"):
        print(src)
    exec(compile(src, f"<protocheck level loop for {info.cls.__name__}>", "exec"), ns)
    return ns["level"]
