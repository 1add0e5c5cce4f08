"""What a check returns. Pure data: presentation lives in `reports/`."""

from __future__ import annotations

from typing import Any

import attrs

# 'no_violation' is simulate's verdict without a finding: a random search proves nothing, so it is never 'ok'.
STATUSES = ("ok", "violation", "deadlock", "error", "incomplete", "interrupted", "no_violation")

EXIT_CODES = {"ok": 0, "violation": 1, "deadlock": 1, "error": 2, "incomplete": 3, "interrupted": 130, "no_violation": 0}


@attrs.frozen
class Step:
    """One state of a trace and the action that produced it ('init' for the first)."""

    action: str
    state: Any
    name: str = "init"  # the action's name without arguments
    args: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Violation:
    kind: str  # 'invariant' | 'deadlock' | 'error' | 'liveness'
    name: str  # invariant or property name, 'deadlock', or the action (or 'init', or an invariant) that raised
    message: str
    trace: list[Step]
    traceback: str | None = None
    # Liveness only: the behaviour is trace[:loop] and then trace[loop:] forever. `loop_step`
    # is the step from the last state back to trace[loop] (its state is trace[loop].state);
    # None when the behaviour stutters forever in the last state (loop == len(trace) - 1).
    loop: int | None = None
    loop_step: Step | None = None


@attrs.frozen
class Coverage:
    """How often an action produced a successor, and how many of those were new states."""

    fired: int
    new_states: int


@attrs.define
class CheckResult:
    status: str
    distinct_states: int
    generated_states: int
    depth: int
    seconds: float
    spec: str
    constants: dict[str, Any]
    invariants: list[str]
    coverage: dict[str, Coverage]
    violations: list[Violation] = attrs.field(factory=list)
    reason: str = ""  # why an incomplete or interrupted search stopped
    queue: int = 0  # states left unexplored when the search stopped
    collision_probability: float = 0.0
    workers: int = 1
    deadlock_checked: bool = True
    init_states: int = 0
    warnings: list[str] = attrs.field(factory=list)  # things the user should know that are not violations
    symmetry: int = 0  # size of the symmetry group the search reduced by (0: none)
    # Invariants declared with @invariant(exercised=...) whose premise held in no checked state.
    vacuous: list[str] = attrs.field(factory=list)
    # True when two different values hashed alike and the search ran again with exact fingerprints.
    exact_fingerprints: bool = False
    # States met that break each invariant, and deadlocked states ('deadlock'): with
    # stop_on_first=False, how common a violation is beyond the one trace kept per invariant.
    # Empty for parallel searches (workers > 1), which do not count them.
    violating_states: dict[str, int] = attrs.field(factory=dict)
    # Liveness property instances checked (labels such as "served(c=1)"), and the size of
    # the state graph they were checked on (transitions between distinct states).
    properties: list[str] = attrs.field(factory=list)
    transitions: int = 0
    # Partial-order reduction (reduction.py): whether the search used it, and how many states
    # it expanded with every enabled action instance and with a proper ample subset only.
    reduction: bool = False
    expanded_fully: int = 0
    expanded_reduced: int = 0
    # Set by simulate() only: the random search's own figures (None for check()).
    simulation: "Simulation | None" = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def violation(self) -> Violation | None:
        return self.violations[0] if self.violations else None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def states_per_second(self) -> float:
        return self.distinct_states / self.seconds if self.seconds > 0 else 0.0

    @property
    def never_fired(self) -> list[str]:
        return [name for name, c in self.coverage.items() if c.fired == 0]


@attrs.frozen
class Simulation:
    """What a random simulation adds to its result (`simulate`, docs/simulate.md): the walks'
    figures and, after a finding, the walk that found it and what shrinking made of it."""

    seed: int
    traces: int  # walks run
    steps: int  # steps taken over all walks
    max_depth: int  # the bound per walk (states, the initial one included)
    deepest: int  # states in the longest walk
    lengths: dict[int, int]  # states in a walk -> walks of that length
    enabled: dict[str, int]  # per action: visited states in which it was enabled (instances)
    distinct_capped: bool  # distinct states stopped being counted (memory cap)
    swarm: str  # 'mixed' | 'on' | 'off'
    workers: int = 1
    walk: int | None = None  # the walk that found the violation (None: none, or an initial state)
    walk_config: str = ""  # that walk's swarm configuration, in words
    found_after: float | None = None  # seconds from the start to the finding
    original_length: int | None = None  # states in the walk's trace
    shrunk_length: int | None = None  # states in the trace the shrinking passes left
    # states in a shortest counterexample, when breadth-first search found one within its
    # budget (the trace reported is then that one, if shorter than the shrunk one)
    shortest: int | None = None
    shortest_above: int | None = None  # else: every counterexample has more states than this (BFS bound)
    shrink_seconds: float = 0.0
    shrink_note: str = ""  # why shrinking stopped early, or was skipped

    def summary(self) -> str:
        """The contract's wording of a run without a finding."""
        return (f"no violation in {self.traces:,} traces ({self.steps:,} steps, {self.deepest} max depth), "
                "not exhaustive")
