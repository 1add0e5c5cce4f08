"""Random simulation: for configurations that exhaustive search cannot finish.

`simulate(spec, ...)` runs random walks from the initial states (walk.py), each under its
own swarm configuration (swarm.py), checking the invariants on every state it visits and
deadlock as `check` does; the first problem found is shrunk to a short counterexample
(shrink.py) and returned in a `CheckResult` of the same shape as `check`'s. Why never
'ok': a random search proves nothing, so a run without a finding ends 'no_violation', and
says how much it tried — "no violation in N traces (T steps, D max depth), not exhaustive".
Liveness properties are not the simulator's job (a finite walk cannot show that something
never happens): it checks invariants and deadlock only, and says so when the spec declares
properties.

Determinism: walk k draws only from a generator seeded by (seed, k), so the same seed and
arguments give the same walks, the same finding and the same shrunk trace; with `workers`
the walks are split by index and the finding is the one of the lowest-numbered walk, as in
one process (simulate_parallel.py).
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable

import attrs

from . import constants as constants_mod
from . import swarm as swarm_mod
from .deadline import Deadline, TimeLimitReached
from .diagnose import Diagnosis, diagnose_init
from .errors import SpecError, exit_is_an_error
from .options import limit_problem, resolve_workers
from .outcome import INTERRUPTED, constants_of
from .result import CheckResult, Coverage, Simulation, Violation
from .search import _all_hold, _select_invariants
from .shrink import ShrinkReport, Shrinker
from .spec import SpecInfo, describe
from .states import state_problem
from .trace import replay
from .walk import Finding, Walker, WalkStats

DEFAULT_TRACES = 1_000  # walks when neither `traces` nor `time_limit` bounds the run
SHRINK_EFFORT = 500_000  # budget of the shrinking passes: action calls (shrink.py), not seconds, for determinism
BFS_STATES = 50_000  # budget of the breadth-first search that looks for a shortest counterexample


def _whole(name: str, value: Any, least: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name}={value!r} must be a whole number"
    if value < least:
        return f"{name}={value!r} must be at least {least}"
    return None


@attrs.frozen
class SimulateOptions:
    """simulate()'s settings, checked once: a bad one is a one-paragraph SpecError."""

    seed: int = 0
    max_depth: int = 100
    traces: int | None = None
    time_limit: float | None = None
    invariants: tuple[str, ...] | None = None
    shrink: bool = True
    workers: int | str = 1
    deadlock: bool = True
    swarm: str = "mixed"
    shrink_effort: int = SHRINK_EFFORT
    bfs_states: int = BFS_STATES
    progress: Callable[[dict], None] | None = attrs.field(default=None, eq=False)
    progress_interval: float = 2.0

    def __attrs_post_init__(self) -> None:
        problems = [p for p in (
            _whole("seed", self.seed, 0),
            _whole("max_depth", self.max_depth, 1),
            None if self.traces is None else _whole("traces", self.traces, 1),
            _whole("bfs_states", self.bfs_states, 0),
            _whole("shrink_effort", self.shrink_effort, 0),
        ) if p]
        if self.time_limit is not None and limit_problem(self.time_limit):
            problems.append(f"time_limit={self.time_limit!r} {limit_problem(self.time_limit)} (a number of seconds, "
                            "or None for no limit)")
        for name in ("shrink", "deadlock"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name}={getattr(self, name)!r} must be True or False")
        if self.swarm not in swarm_mod.SWARM_MODES:
            problems.append(f"swarm={self.swarm!r} must be one of {', '.join(map(repr, swarm_mod.SWARM_MODES))}")
        if self.progress is not None and not callable(self.progress):
            problems.append(f"progress={self.progress!r} must be a function taking a dict of counts")
        if problems:
            raise SpecError("simulate() cannot run with " + "; ".join(problems) + ". Fix the argument"
                            f"{'s' if len(problems) > 1 else ''}: the defaults are seed=0, max_depth=100 (states per "
                            f"walk), traces=None and time_limit=None (then {DEFAULT_TRACES:,} walks).")
        resolve_workers(self.workers)

    @property
    def budget(self) -> int | None:
        """Walks to run: as asked, or the default when nothing else bounds the run."""
        if self.traces is None and self.time_limit is None:
            return DEFAULT_TRACES
        return self.traces


def simulate(
    spec: Any,
    seed: int = 0,
    max_depth: int = 100,
    traces: int | None = None,
    time_limit: float | None = None,
    invariants: Iterable[str] | None = None,
    shrink: bool = True,
    workers: int | str = 1,
    *,
    deadlock: bool = True,
    swarm: str = "mixed",
    shrink_effort: int = SHRINK_EFFORT,
    bfs_states: int = BFS_STATES,
    progress: Callable[[dict], None] | None = None,
    progress_interval: float = 2.0,
) -> CheckResult:
    """Random walks from `spec.init()`, each of at most `max_depth` states, until a walk breaks
    an invariant or deadlocks, `traces` walks are done or `time_limit` seconds pass (neither
    given: 1,000 walks). Status 'violation' | 'deadlock' | 'error' | 'no_violation' |
    'interrupted' — never 'ok'. The finding is shrunk (`shrink`, within `shrink_effort` action calls)
    and compared with a breadth-first search of `bfs_states` states; `result.simulation` has
    the walks' figures. `swarm`: 'mixed' (half the walks under a swarm configuration, the
    default), 'on' or 'off' (uniform walks). `workers` > 1 splits the walks by index."""
    if isinstance(invariants, str):
        invariants = (invariants,)
    elif invariants is not None:
        try:
            invariants = tuple(invariants)
        except TypeError:
            raise SpecError(f"invariants={invariants!r} must be a list of invariant names (or None for all).") from None
    options = SimulateOptions(seed=seed, max_depth=max_depth, traces=traces, time_limit=time_limit,
                              invariants=invariants, shrink=shrink, workers=workers, deadlock=deadlock, swarm=swarm,
                              shrink_effort=shrink_effort, bfs_states=bfs_states, progress=progress,
                              progress_interval=progress_interval)
    with exit_is_an_error():
        return Simulator(spec, options).run()


class Simulator:
    def __init__(self, spec: Any, options: SimulateOptions):
        self.info: SpecInfo = describe(type(spec))
        constants_mod.validate(spec)
        self.spec, self.options = spec, options
        self.invariants = _select_invariants(self.info, options.invariants, spec)
        self.holds = _all_hold(tuple(self.invariants.values()))
        self.inits: list[Any] = []
        self.warnings: list[str] = []
        if self.info.properties:
            names = ", ".join(self.info.properties)
            self.warnings.append(f"simulate checks invariants and deadlock only: the liveness properties ({names}) "
                                 "were not checked (a finite walk cannot show that something never happens); "
                                 "protocheck check explores them")

    def run(self) -> CheckResult:
        self.t0 = time.monotonic()
        opts = self.options
        stats = WalkStats(len(self.info.actions))
        try:
            finding = self._initial()
        except _InitProblem as problem:
            return self._result("error", stats, Finding(-1, problem.ordinal, [], problem.diagnosis, None, 0), None)
        status, reason = "no_violation", ""
        if finding is None:
            try:
                n = resolve_workers(opts.workers)
                if n > 1:
                    from .simulate_parallel import walk_in_parallel

                    finding, stats, status = walk_in_parallel(self, n)
                else:
                    finding, stats, status = self._walk_here()
            except KeyboardInterrupt:
                status = "interrupted"
        if status == "interrupted":
            reason = INTERRUPTED
        if finding is None:
            return self._result(status, stats, None, None, reason)
        report = self._shrink(finding)
        status = {"invariant": "violation", "deadlock": "deadlock"}.get(finding.diagnosis.kind, "error")
        return self._result(status, stats, finding, report, reason)

    def walker(self) -> Walker:
        o = self.options
        return Walker(self.spec, self.info, self.invariants, self.inits, o.seed, o.max_depth, o.deadlock, o.swarm,
                      self.holds)

    def _walk_here(self) -> tuple[Finding | None, WalkStats, str]:
        o = self.options
        walker = self.walker()
        walker.t0 = self.t0
        budget = o.budget if o.budget is not None else math.inf
        next_report = self.t0 + o.progress_interval
        finding = None
        try:
            with Deadline(o.time_limit):
                k = 0
                while k < budget:
                    finding = walker.walk(k)
                    if finding is not None:
                        break
                    k += 1
                    if o.progress is not None and time.monotonic() >= next_report:
                        next_report = time.monotonic() + o.progress_interval
                        o.progress(self.snapshot(walker.stats))
        except TimeLimitReached:
            pass  # the budget, not a cut: a random search has no end to reach
        except KeyboardInterrupt:
            return None, walker.stats, "interrupted"
        return finding, walker.stats, "no_violation"

    def snapshot(self, stats: WalkStats) -> dict:
        elapsed = time.monotonic() - self.t0
        return {"mode": "simulate", "traces": stats.traces, "steps": stats.steps, "distinct": len(stats.seen),
                "deepest": stats.max_depth, "seconds": elapsed,
                "per_second": stats.steps / elapsed if elapsed > 0 else 0.0}

    def _initial(self) -> Finding | None:
        spec = self.spec
        try:
            inits = list(spec.init())
        except Exception as exc:
            raise _InitProblem(diagnose_init(exc), None) from None
        kept = []
        for ordinal, s in enumerate(inits):
            problem = state_problem(s, "init()")
            if problem:
                raise _InitProblem(Diagnosis("error", "init", problem, None, None), None)
            if all(c(spec, s) for c in self.info.constraints):
                kept.append(s)
        if not kept:
            why = "every initial state fails a @constraint" if inits else "init() yielded no state"
            raise _InitProblem(Diagnosis("error", "init", f"{why}, so nothing was simulated. The spec needs at least "
                                         "one initial state (within its constraints) for these constants.", None, None), None)
        self.inits = kept
        return self.walker().check_inits()

    def _shrink(self, finding: Finding) -> ShrinkReport | None:
        diag, o = finding.diagnosis, self.options
        original = len(finding.steps) + 1 + (diag.step is not None)
        if diag.kind not in ("invariant", "deadlock"):
            return ShrinkReport(original, original, stopped="errors are shown as the walk met them")
        if not o.shrink:
            return ShrinkReport(original, original, stopped="shrinking was turned off")
        t0 = time.monotonic()
        info = self.info
        terminal = (lambda s: any(t(self.spec, s) for t in info.terminals)) if info.terminals else None
        shrinker = Shrinker(self.spec, info, diag.kind, diag.name, self.invariants.get(diag.name), terminal,
                            o.shrink_effort)
        init = self.inits[finding.init]
        try:
            steps, _ = shrinker.shrink(init, finding.steps)
        except KeyboardInterrupt:
            steps, shrinker.stopped = finding.steps, "interrupted (Ctrl-C); the walk's own trace is shown"
        report = ShrinkReport(original, len(steps) + 1, candidates=shrinker.candidates, work=shrinker.work,
                              stopped=shrinker.stopped)
        finding.steps = steps
        self._shortest(finding, report)
        report.seconds = time.monotonic() - t0
        return report

    def _shortest(self, finding: Finding, report: ShrinkReport) -> None:
        """A breadth-first search for the same problem within `bfs_states`: a shortest
        counterexample if it finds one (it replaces the shrunk one when shorter), else a
        lower bound on the length of any."""
        from .search import check

        o, diag = self.options, finding.diagnosis
        if o.bfs_states == 0 or not o.shrink:
            return
        invariants = [diag.name] if diag.kind == "invariant" else []
        try:
            r = check(self.spec, invariants=invariants, deadlock=diag.kind == "deadlock", max_states=o.bfs_states,
                      symmetry=False, liveness=False)  # real traces; safety only, as the walks
        except KeyboardInterrupt:
            return
        v = r.violation
        if r.status in ("violation", "deadlock") and v is not None and v.name == diag.name:
            report.shortest = len(v.trace)
            if len(v.trace) < report.shrunk:
                finding.init = self.inits.index(v.trace[0].state)
                finding.steps = [(self._action_index(st.name), tuple(st.args.values())) for st in v.trace[1:]]
        elif r.status == "incomplete":
            report.shortest_above = max(r.depth - 1, 0)  # every level above the cut was explored

    def _action_index(self, name: str) -> int:
        return next(i for i, a in enumerate(self.info.actions) if a.name == name)

    def _result(self, status: str, stats: WalkStats, finding: Finding | None, report: ShrinkReport | None,
                reason: str = "") -> CheckResult:
        o = self.options
        names = [a.name for a in self.info.actions]
        violations = [self._violation(finding)] if finding is not None else []
        sim = Simulation(
            seed=o.seed, traces=stats.traces, steps=stats.steps, max_depth=o.max_depth, deepest=stats.max_depth,
            lengths=dict(sorted(stats.lengths.items())), enabled=dict(zip(names, stats.enabled)),
            distinct_capped=stats.capped, swarm=o.swarm, workers=resolve_workers(o.workers),
            walk=finding.walk if finding is not None and finding.walk >= 0 else None,
            walk_config=swarm_mod.describe(finding.mask, finding.period, names) if finding is not None and finding.walk >= 0 else "",
            found_after=finding.seconds if finding is not None else None,
            original_length=report.original if report else None, shrunk_length=report.shrunk if report else None,
            shortest=report.shortest if report else None, shortest_above=report.shortest_above if report else None,
            shrink_seconds=report.seconds if report else 0.0, shrink_note=report.stopped if report else "",
        )
        if status == "no_violation":
            reason = sim.summary()
        return CheckResult(
            status=status, distinct_states=len(stats.seen), generated_states=stats.generated + len(self.inits),
            depth=stats.max_depth, seconds=time.monotonic() - self.t0, spec=type(self.spec).__name__,
            constants=constants_of(self.spec), invariants=list(self.invariants),
            coverage={n: Coverage(stats.fired[i], stats.new[i]) for i, n in enumerate(names)},
            violations=violations, reason=reason, workers=sim.workers, deadlock_checked=o.deadlock,
            init_states=len(self.inits), warnings=list(self.warnings), simulation=sim,
        )

    def _violation(self, finding: Finding) -> Violation:
        diag = finding.diagnosis
        steps = finding.steps + ([diag.step] if diag.step is not None else [])
        trace = []
        if self.inits:
            try:
                trace = replay(self.spec, self.info.actions, self.inits[finding.init], steps)
            except Exception as exc:  # a non-deterministic spec: say so rather than show a wrong trace
                return Violation("error", diag.name, f"{diag.message} (and the trace could not be rebuilt: {exc})", [],
                                 diag.traceback)
        message = diag.message
        if diag.kind == "invariant" and trace:  # the shrunk trace ends in another violating state: its reason
            from .diagnose import run_invariants

            try:
                failed = dict(run_invariants(self.spec, {diag.name: self.invariants[diag.name]}, trace[-1].state))
                message = failed.get(diag.name, message)
            except Exception:
                pass
        return Violation(diag.kind, diag.name, message, trace, diag.traceback)


class _InitProblem(Exception):
    def __init__(self, diagnosis: Diagnosis, ordinal: int | None):
        self.diagnosis, self.ordinal = diagnosis, ordinal
