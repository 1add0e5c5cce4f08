"""The shape of a liveness counterexample — a lasso — as words every report shares.

A liveness violation is an infinite behaviour: `trace[:loop]` (the prefix) and then
`trace[loop:]` forever, the last state stepping back to `trace[loop]` by `loop_step`, or
stuttering forever when `loop_step` is None (then `loop == len(trace) - 1`). The writers
(terminal, Markdown, HTML, JUnit, the suite table) all say it with these phrases, so a
reader meets the same words everywhere: "the cycle starts here" before step `loop`, and
after the last step "back to step k by <action>" or "stutters forever".
"""

from __future__ import annotations

from typing import Any

from checker.result import Violation

from .values import count

CYCLE_STARTS = "the cycle starts here"
STUTTERS = "stutters forever"


def is_lasso(v: Violation) -> bool:
    return v.loop is not None and bool(v.trace)


def stutters(v: Violation) -> bool:
    """The behaviour ends by staying in its last state forever (no fair action forces a step)."""
    return is_lasso(v) and v.loop_step is None


def closing(v: Violation) -> str:
    """The line after the last step: how the behaviour goes on forever."""
    if stutters(v):
        return STUTTERS
    return f"back to step {v.loop} by {v.loop_step.action}"


def closing_change(v: Violation) -> tuple[Any, Any] | None:
    """(last state, state stepped back to) of the closing step, for the writers' diffs; None
    when the behaviour stutters (nothing changes)."""
    if not is_lasso(v) or v.loop_step is None:
        return None
    return v.trace[-1].state, v.loop_step.state


def cycle_steps(v: Violation) -> int:
    """Steps in one turn of the cycle (the closing step included); 0 for stuttering."""
    return 0 if stutters(v) else len(v.trace) - v.loop


def lasso_size(v: Violation) -> str:
    """How long a lasso is, in words: what is before the cycle and how long the cycle is."""
    states = count(len(v.trace), "state")
    if stutters(v):
        if v.loop == 0:
            return f"counterexample of {states}: an initial state that {STUTTERS}"
        return f"counterexample of {states}: {count(v.loop, 'step')}, then the last state {STUTTERS}"
    cycle = f"a cycle of {count(cycle_steps(v), 'step')}"
    if v.loop == 0:
        return f"counterexample of {states}: {cycle} from an initial state, repeated forever"
    return f"counterexample of {states}: {count(v.loop, 'step')} to {cycle}, repeated forever"


def lasso_found(v: Violation) -> str:
    """The verdict line's account of the lasso: `after 2 steps, then a cycle of 3 steps
    repeated forever`, `after 4 steps, then stuttering forever`."""
    if stutters(v):
        return "in an initial state that stutters forever" if v.loop == 0 else \
            f"after {count(v.loop, 'step')}, then stuttering forever"
    cycle = f"a cycle of {count(cycle_steps(v), 'step')}"
    if v.loop == 0:
        return f"by {cycle} from an initial state, repeated forever"
    return f"after {count(v.loop, 'step')}, then {cycle} repeated forever"


def vacuity_notes(result: Any) -> list[str]:
    """The warnings of a result and a sentence for each vacuous name no warning speaks of
    (the engine words its own warning for a vacuous property; an invariant declared with
    exercised= gets the sentence here)."""
    notes = list(result.warnings)
    for name in result.vacuous:
        if not any(w.startswith((f"property {name} ", f"invariant {name} ")) for w in notes):
            notes.append(vacuity_warning(name, result))
    return notes


def vacuity_warning(name: str, result: Any) -> str:
    """The warning for a name in `CheckResult.vacuous`: an invariant's premise never held,
    or a property could not fail (its trigger never held, or its predicate held everywhere)."""
    if is_property(name, result):
        return (f"property {name} held vacuously: its trigger never held, or what it asks for held in every "
                "reachable state, so no behaviour put it to the test")
    return (f"invariant {name} held vacuously: its premise (exercised=) held in no checked state, so it was "
            "never put to the test")


def is_property(name: str, result: Any) -> bool:
    """Whether `name` (from a result's `vacuous` or a violation) is a liveness property
    instance of `result`: properties and invariants share one namespace (spec.py)."""
    return name in result.properties or any(label.split("(", 1)[0] == name for label in result.properties)


def properties_hold(result: Any) -> str:
    """The ok verdict's account of liveness: `2 liveness properties hold (40 transitions)`."""
    n = len(result.properties)
    return (f"{n} liveness propert{'y holds' if n == 1 else 'ies hold'} "
            f"({count(result.transitions, 'transition')} between the states)")


def base_name(label: str) -> str:
    """`served(c=1)` -> `served`: the declared name of a property instance."""
    return label.split("(", 1)[0]
