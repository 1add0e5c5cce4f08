"""The `--json` output: the whole result in a stable, documented schema (`protocheck.result/1`).

Top-level keys: schema, status, ok, exit_code, spec, constants, invariants, distinct_states,
generated_states, depth, seconds, states_per_second, init_states, queue, reason,
collision_probability, deadlock_checked, workers, symmetry (size of the symmetry group, 0 = none), reduction (null, or {expanded_fully, expanded_reduced}: states expanded with every enabled action instance and with an ample subset, under --reduction), warnings (list of sentences), coverage (list of {action, fired, new_states}),
never_fired, violating_states ({invariant or "deadlock": states met that break it}; empty
for a parallel search), vacuous (invariants declared with exercised= whose premise held in no
checked state), simulation (null for `check`; for `simulate`: seed, traces, steps, max_depth,
deepest, lengths, enabled, swarm, walk, original_length, shrunk_length, shortest, ... —
reports/simulation.py), exact_fingerprints (true when two different values hashed alike and the
search ran again with exact fingerprints), properties (the liveness property instances
checked, e.g. "served(c=1)"), transitions (edges of the state graph they were checked on; 0
when none was), violation (null or {kind, name, message, traceback, length, trace: [{step,
action, name, args, state}], loop, loop_step}) and violations (every violation found, same
shape).

A liveness violation (kind "liveness") is a lasso: the behaviour is trace[:loop] and then
trace[loop:] forever. `loop_step` is the step from the last state back to trace[loop]:
{action, name, args, from (the last step's index), to (== loop)}; it is null when the
last state stutters forever (then loop == length - 1). For other kinds loop and loop_step
are null.
"""

from __future__ import annotations

import json
from typing import Any

from checker.result import CheckResult, Violation

from .simulation import simulation_dict
from .values import to_plain

SCHEMA = "protocheck.result/1"


def violation_dict(v: Violation) -> dict[str, Any]:
    return {
        "kind": v.kind,
        "name": v.name,
        "message": v.message,
        "traceback": v.traceback,
        "length": len(v.trace),
        "trace": [
            {"step": i, "action": st.action, "name": st.name, "args": to_plain(st.args), "state": to_plain(st.state)}
            for i, st in enumerate(v.trace)
        ],
        "loop": v.loop,
        "loop_step": None if v.loop is None or v.loop_step is None else {
            "action": v.loop_step.action, "name": v.loop_step.name, "args": to_plain(v.loop_step.args),
            "from": len(v.trace) - 1, "to": v.loop},
    }


def result_dict(r: CheckResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "status": r.status,
        "ok": r.ok,
        "exit_code": r.exit_code,
        "spec": r.spec,
        "constants": to_plain(r.constants),
        "invariants": list(r.invariants),
        "distinct_states": r.distinct_states,
        "generated_states": r.generated_states,
        "depth": r.depth,
        "seconds": round(r.seconds, 6),
        "states_per_second": round(r.states_per_second, 1),
        "init_states": r.init_states,
        "queue": r.queue,
        "reason": r.reason,
        "collision_probability": r.collision_probability,
        "deadlock_checked": r.deadlock_checked,
        "workers": r.workers,
        "symmetry": r.symmetry,
        "reduction": {"expanded_fully": r.expanded_fully, "expanded_reduced": r.expanded_reduced} if r.reduction else None,
        "warnings": list(r.warnings),
        "coverage": [{"action": k, "fired": c.fired, "new_states": c.new_states} for k, c in r.coverage.items()],
        "never_fired": r.never_fired,
        "violating_states": dict(r.violating_states),
        "vacuous": list(r.vacuous),
        "exact_fingerprints": r.exact_fingerprints,
        "properties": list(r.properties),
        "transitions": r.transitions,
        "simulation": simulation_dict(r.simulation),
        "violation": violation_dict(r.violation) if r.violation else None,
        "violations": [violation_dict(v) for v in r.violations],
    }


def write_json(r: CheckResult, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result_dict(r), fh, indent=2, ensure_ascii=False)
        fh.write("\n")


SUITE_SCHEMA = "protocheck.suite/1"


def suite_dict(outcomes: list, manifest: str = "", selection: str = "") -> dict[str, Any]:
    """`ci --json`: schema protocheck.suite/1 — {schema, ok, manifest, selection, passed, failed,
    entries: [{name, spec, description, expected, got, passed, detail, distinct_states,
    generated_states, depth, seconds, result (protocheck.result/1 or null)}]}."""
    entries = []
    for o in outcomes:
        r = o.result
        entries.append({
            "name": o.entry.name,
            "spec": o.entry.spec,
            "description": o.entry.description,
            "expected": o.entry.expect.to_plain(),
            "got": o.got,
            "passed": o.passed,
            "detail": o.detail,
            "distinct_states": r.distinct_states if r else None,
            "generated_states": r.generated_states if r else None,
            "depth": r.depth if r else None,
            "seconds": round(o.seconds, 6),
            "result": result_dict(r) if r else None,
        })
    return {
        "schema": SUITE_SCHEMA,
        "ok": all(o.passed for o in outcomes),
        "manifest": manifest,
        "selection": selection,
        "passed": sum(1 for o in outcomes if o.passed),
        "failed": sum(1 for o in outcomes if not o.passed),
        "entries": entries,
    }


def write_suite_json(outcomes: list, path: str, manifest: str = "", selection: str = "") -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(suite_dict(outcomes, manifest, selection), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
