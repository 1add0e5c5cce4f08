"""How a search ends, written once for every engine (one process, parallel, and those to come).

Why here: the verdict of a search — which finding outranks which, when a finding ends the
search, the depth reported at such a stop, what is left in the queue, the odds that two
states hashed alike — is policy, not mechanics. Each engine gathers counts its own way and
hands them to `build_result`, so two engines cannot disagree about what the counts mean.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple, Sequence

import attrs

from .fingerprint import orbit_collision_factor
from .result import CheckResult, Coverage, Violation

DEADLOCK_MESSAGE = "no action is enabled in this state (deadlock)"
INTERRUPTED = "interrupted by the user (Ctrl-C)"
CUT_SHORT = ("incomplete", "interrupted")  # the statuses of a search that did not finish


class Counts(NamedTuple):
    """What an engine counted when it stopped."""

    distinct: int
    generated: int
    fired: Sequence[int]  # successors per action
    new: Sequence[int]  # new states per action
    queue: int  # states left unexplored (reported only for a search cut short)


def stop_for(kind: str, stop_on_first: bool) -> str | None:
    """The status a finding of `kind` ('invariant', 'deadlock', 'error') ends the search with,
    or None if the search goes on: an error always ends it; a violation or a deadlock does
    unless the user asked to continue (one trace per invariant, and one for deadlock)."""
    if kind == "error":
        return "error"
    if not stop_on_first:
        return None
    return "violation" if kind == "invariant" else "deadlock"


def verdict(stop: str, violations: Sequence[Violation]) -> str:
    """The status reported: any error found outranks any violation, which outranks any
    deadlock, which outranks how the search stopped (finished, a limit, Ctrl-C)."""
    kinds = {v.kind for v in violations}
    for kind, status in (("error", "error"), ("invariant", "violation"), ("liveness", "violation"), ("deadlock", "deadlock")):
        if kind in kinds:
            return status
    return stop


def stop_depth(depth: int, stop: str, violations: Sequence[Violation]) -> int:
    """As TLC: a search that stops at a violation or a deadlock counts the level of the
    violating state, although that level is unfinished."""
    if stop in ("violation", "deadlock") and violations:
        return max(depth, len(violations[-1].trace))
    return depth


def collision_probability(distinct: int, generated: int, fingerprint: Any) -> float:
    """TLC's estimate of the odds that two distinct states met share a 64-bit fingerprint,
    scaled by the canonical forms a symmetry maps onto one (fingerprint.py)."""
    return distinct * max(generated - distinct, 0) / 2.0**64 * orbit_collision_factor(fingerprint)


def build_result(search: Any, stop: str, reason: str, counts: Counts, *, workers: int = 1,
                 violating: dict[str, int] | None = None) -> CheckResult:
    """The result of `search` (its spec, options, findings and clock) stopped with status
    `stop` after `counts`. `violating` counts states per broken invariant (one process only)."""
    status = verdict(stop, search.violations)
    names = [a.name for a in search.info.actions]
    return CheckResult(
        status=status,
        distinct_states=counts.distinct,
        generated_states=counts.generated,
        depth=stop_depth(search.depth, stop, search.violations),
        seconds=time.monotonic() - search.t0,
        spec=type(search.spec).__name__,
        constants=constants_of(search.spec),
        invariants=list(search.invariants),
        coverage={name: Coverage(counts.fired[i], counts.new[i]) for i, name in enumerate(names)},
        violations=search.violations,
        reason=reason,
        queue=max(counts.queue, 0) if status in CUT_SHORT else 0,
        collision_probability=collision_probability(counts.distinct, counts.generated, search.fingerprint),
        workers=workers,
        deadlock_checked=search.deadlock,
        init_states=len(search.inits),
        warnings=search.warnings,
        symmetry=getattr(search.fingerprint, "symmetry", 0),
        violating_states=dict(violating or {}),
        vacuous=search.exercise.vacuous(),
    )


def constants_of(spec: Any) -> dict[str, Any]:
    return {f.name: getattr(spec, f.name) for f in attrs.fields(type(spec))}
