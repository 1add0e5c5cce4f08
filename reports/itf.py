"""Counterexamples in the Informal Trace Format (ITF, Apalache ADR-015), read by Apalache,
Quint and the ITF trace viewers.

Encoding (ADR-015 as revised 2023-09-14: every integer is `{"#bigint": "<digits>"}`):
bool -> JSON boolean; int -> #bigint; str and enum -> string; record (NamedTuple, attrs,
dataclass) -> JSON object; tuple -> `#tup`; list -> JSON array (a sequence); set /
frozenset -> `#set` (sorted, so output is reproducible); dict -> `#map` of [key, value]
pairs; None -> `{"tag": "None", "value": {"#tup": []}}` (ITF has no null: this is how Quint
writes the `None` of its Option type); anything else (a float) -> `{"#unserializable": repr}`.

A record state's fields are the ITF `vars`; any other state is one variable, `state`.
Each state's `#meta` carries `index` and the `action` that produced it (with its args),
so the trace is readable on its own. No timestamp: the same run gives the same file.

A liveness counterexample is a lasso, which ITF writes with its optional top-level `loop`:
"the index of the state that starts the loop; the loop ends in the last state" (ADR-015),
i.e. `states[:loop]` and then `states[loop:]` forever, the last state followed by
`states[loop]` — exactly `Violation.loop`, so `loop` is that index unchanged. The step from
the last state back to `states[loop]` has no state of its own in ITF; its action is in the
trace's `#meta.loop` as {"to": loop, "action", "args"}. A behaviour that stutters forever
in its last state is the one-state loop `loop == len(states) - 1` (the last state followed
by itself: a TLA+ stuttering step), and `#meta.loop` is {"to": loop, "stutters": true}.
Counterexamples of invariants and deadlocks are finite traces: no `loop`.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from checker.result import CheckResult, Violation
from checker.states import fields_of

FORMAT = "ITF"
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def _key(v: Any) -> tuple[str, str]:
    return (type(v).__name__, repr(v))


def encode(value: Any) -> Any:
    """One value in ITF's JSON encoding."""
    if isinstance(value, bool):
        return value
    if value is None:  # a variant with the empty tuple (unit) as value, as Quint writes Option's None
        return {"tag": "None", "value": {"#tup": []}}
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    fields = fields_of(value)
    if fields is not None:
        return {name: encode(v) for name, v in fields}
    if isinstance(value, tuple):
        return {"#tup": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"#set": [encode(v) for v in sorted(value, key=_key)]}
    if isinstance(value, dict):
        return {"#map": [[encode(k), encode(v)] for k, v in sorted(value.items(), key=lambda kv: _key(kv[0]))]}
    return {"#unserializable": repr(value)}


def state_vars(state: Any) -> dict[str, Any]:
    fields = fields_of(state)
    return dict(fields) if fields is not None else {"state": state}


def trace_itf(v: Violation, result: CheckResult | None = None, source: str = "") -> dict[str, Any]:
    """The ITF document of one counterexample."""
    variables = list(state_vars(v.trace[0].state)) if v.trace else []
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format-description": FORMAT_DESCRIPTION,
        "source": source or (result.spec if result else ""),
        "description": f"{v.kind} {v.name}: {v.message}",
        "violation": {"kind": v.kind, "name": v.name, "message": v.message},
    }
    doc: dict[str, Any] = {"#meta": meta, "vars": variables}
    params = {k: c for k, c in result.constants.items() if k not in variables} if result is not None else {}
    if params:
        doc["params"] = list(params)
    states = []
    for i, st in enumerate(v.trace):
        entry: dict[str, Any] = {"#meta": {"index": i, "action": st.action, "args": {k: encode(a) for k, a in st.args.items()}}}
        if i == 0:
            entry.update({k: encode(c) for k, c in params.items()})  # ITF: parameters are given in the first state
        entry.update({name: encode(val) for name, val in state_vars(st.state).items()})
        states.append(entry)
    doc["states"] = states
    if v.loop is not None:
        doc["loop"] = v.loop
        meta["loop"] = ({"to": v.loop, "stutters": True} if v.loop_step is None else
                        {"to": v.loop, "action": v.loop_step.action,
                         "args": {k: encode(a) for k, a in v.loop_step.args.items()}})
    return doc


def write_itf(result: CheckResult, path: str, source: str = "") -> bool:
    """Write the first counterexample as ITF; False (nothing written) if there is none."""
    v = result.violation
    if v is None or not v.trace:
        return False
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(trace_itf(v, result, source), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return True
