"""Breadth-first exploration of every reachable state.

Level by level, so the first violation found is at minimal depth and its trace is a
shortest counterexample, and so `depth` is TLC's (number of BFS levels). Invariants are
checked when a state is first generated, as TLC does, not when it is dequeued.

The hot loop (generated per spec, codegen.py) does the least per successor: call the
action, hash once, test the set of recent fingerprints, queue the unseen. New states are
settled per chunk of the frontier (`_settle`): checked against the compact runs of older
fingerprints (store.py), logged with their parent pointers, checked against the
invariants. Everything rare (errors, bad states, violations) leaves the loop and is
diagnosed on a slow path that re-runs the one state (diagnose.py).
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any, Callable, Iterable

import attrs

from . import constants as constants_mod
from . import liveness as lv  # (check() has a `liveness` keyword)
from .codegen import build_level
from .level import expand_level
from .settle import Settling, Stop as _Stop
from .store import FingerprintStore
from .fingerprint import ValueRegistry, clash_message, fingerprint_function
from .diagnose import Diagnosis, diagnose, diagnose_init, run_invariants
from .errors import SpecError, exit_is_an_error
from .options import DEFAULT, Options
from .outcome import DEADLOCK_MESSAGE, INTERRUPTED, Counts, build_result, stop_for
from .result import CheckResult, Violation
from .spec import SpecInfo, describe
from .states import admit_state_type, state_problem
from .trace import ParentLog, replay
from .vacuity import Exercise
from .deadline import Deadline, TimeLimitReached

# Collect young objects every million allocations, not 700 (CPython's default): states are
# acyclic, and at 100,000 two-phase 8 RMs took 1% longer in one process and 2% in workers.
GC_THRESHOLD = (1_000_000, 50, 1000)
PROGRESS_EVERY = 1024  # frontier states per chunk: between clock reads and between settlings


LOOPS = ("generated", "plain")  # the level loops (codegen.py, level.py): same results, tested alike
CLASH_STOP = "two values hash alike"  # the reason a fast search stops to start again exactly


class ExactRerun(Exception):
    """Two different values hash alike: the search must start again with exact fingerprints."""

    def __init__(self, clash: tuple):
        self.clash = clash


class Search(Settling):
    def __init__(self, spec: Any, options: Options = DEFAULT, *, exact: bool = False, loop: str | None = None,
                 **changes: Any):
        """`options` as check() takes them (options.py, validated there); `changes` replace some (for tests)."""
        if changes:
            options = attrs.evolve(options, **changes)
        self.info: SpecInfo = describe(type(spec))
        constants_mod.validate(spec)
        self.spec, self.options = spec, options
        self.invariants = _select_invariants(self.info, options.invariants, spec)
        self.invariant_fns = tuple(self.invariants.values())
        self.exercise = Exercise(spec, self.info.exercised, self.invariants)
        self.deadlock = options.deadlock
        self.max_states, self.max_depth, self.time_limit = options.max_states, options.max_depth, options.time_limit
        self.stop_on_first = options.stop_on_first
        self.progress, self.progress_interval = options.progress, options.progress_interval
        self.exact = exact
        self.loop = loop or os.environ.get("PROTOCHECK_LOOP") or "generated"
        if self.loop not in LOOPS:
            raise SpecError(f"loop={self.loop!r} (or PROTOCHECK_LOOP) must be one of {', '.join(LOOPS)}: 'generated' "
                            "is the fast loop specialised to the spec, 'plain' the same loop in plain Python (level.py).")
        self.registry = ValueRegistry()
        self.fingerprint = fingerprint_function(spec, self.info, options.symmetry, self.registry, exact)
        self.symmetry_check = getattr(self.fingerprint, "symmetry_check", None)
        self.log = ParentLog()
        self.seen = FingerprintStore()
        self.generated = 0
        self.depth = 0
        self.violations: list[Violation] = []
        self.violated: set[str] = set()
        self.violating: dict[str, int] = {}  # states met that break each invariant (and 'deadlock')
        self.level_sizes: list[int] = []  # states per BFS level expanded so far (for progress)
        self.fired = [0] * len(self.info.actions)
        self.state_types: set[type] = set()
        self.inits: list[Any] = []
        self.queue_left = 0
        self.warnings: list[str] = []
        self._compiled: list[Callable | None] = [None, None]
        self._chunk: tuple = ([], 0, (), 0)
        self._mark = 0  # new states of the level already settled
        self.window: set = set()
        self._holds = _all_hold(self.invariant_fns)
        # Liveness (liveness.py): the properties' instances, and the state graph the loop records for them.
        props = lv.selected(self.info, options)
        lv.refuse_unsound(spec, self.info, props, bool(getattr(self.fingerprint, "symmetry", 0)), 1)
        self.graph, self.live = lv.start(self, props) if props else (None, [])
        self.vacuous_properties: list[str] = []
        self.liveness_checked = False

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> CheckResult:
        self.t0 = time.monotonic()
        self.next_report = self.t0 + self.progress_interval
        status, reason = "ok", ""
        threshold = gc.get_threshold()
        # States are acyclic tuples: the cyclic collector only burns time scanning them.
        # Freeze what exists and collect rarely while searching; restore on the way out.
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        deadline = Deadline(self.time_limit)
        try:
            with deadline:  # leaving it (before the handlers below) disarms the timer
                frontier = self._initial()
                while frontier:
                    probe = self.max_depth is not None and self.depth >= self.max_depth
                    frontier = self._level(frontier, probe)
                    if frontier:
                        self.depth += 1
                if self.graph is not None:  # every reachable state was explored: its graph is complete
                    self.violations.extend(lv.check_properties(self))
                    self.liveness_checked = True
        except _Stop as stop:
            status, reason = stop.status, stop.reason
        except TimeLimitReached:
            status, reason = "incomplete", self.time_reason()
        except KeyboardInterrupt:
            status, reason = "interrupted", INTERRUPTED
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
        clash = self.registry.clash
        if clash is not None and not self.exact:
            if status == "interrupted" or (status == "incomplete" and reason != CLASH_STOP):
                # Cut short by the user or a limit: nothing is claimed, and starting again
                # would ignore the Ctrl-C or double the time asked for. Say what it means.
                self.warnings.append(clash_message(clash, rerun=False))
            else:
                raise ExactRerun(clash)
        return self._result(status, reason)

    def time_reason(self) -> str:
        return f"reached time_limit={self.time_limit}s"

    def _initial(self) -> list[Any]:
        spec, frontier = self.spec, []
        try:
            self.inits = list(self.spec.init())
        except Exception as exc:
            self._fail(diagnose_init(exc))
        if getattr(self.fingerprint, "plain", False) and all(isinstance(s, (tuple, frozenset)) for s in self.inits):
            self.fingerprint = None  # the loop inlines covers(t) and hash(t)
        for ordinal, s in enumerate(self.inits):
            problem = state_problem(s, "init()")
            if problem:
                self._fail(Diagnosis("error", "init", problem, None, None))
            self.state_types.add(type(s))
            self.generated += 1
            try:
                if self.info.constraints and not all(c(spec, s) for c in self.info.constraints):
                    continue
                h = self.key(s)
            except Exception:
                self._fail(self._diagnose_state(s, None, ordinal, expand=False))
            if h in self.seen:
                continue
            if self.max_states is not None and len(self.log) >= self.max_states:
                raise _Stop("incomplete", f"reached max_states={self.max_states}")
            self.seen.add(h)
            idx = self.log.add_initial(ordinal)
            if self.graph is not None:
                self._observe([h], [s], idx)
            self._check(s, idx)
            if self.exercise.pending:
                self.exercise.see([s])
            frontier.append(s)
        if not frontier:  # 'ok' over no state at all would be a pass that checked nothing
            why = "every initial state fails a @constraint" if self.inits else "init() yielded no state"
            self._fail(Diagnosis("error", "init", f"{why}, so nothing was checked. The spec needs at least one initial "
                                 "state (within its constraints) for these constants.", None, None))
        self.depth = 1
        return frontier

    def _level(self, frontier: list[Any], probe: bool) -> list[Any]:
        """Expand one BFS level and return the next; with `probe`, any new state ends the search.

        States found in one level get consecutive indices in the parent log, so a level is a
        plain list of states: the index of frontier[k] is len(log) - len(frontier) + k. What
        a level does is written once in plain Python (level.py); by default the same loop
        runs generated for the spec (codegen.py), in two variants: once the visited set has
        compact runs, the loop also lists the new states' fingerprints.
        """
        self.level_sizes.append(len(frontier))
        # The states the loop tests exactly before fingerprinting (level.py): this level's
        # and, as they are found, the next one's; rebuilt per level, so it never outgrows two.
        self.window = set(frontier)
        if self.loop == "plain":
            return expand_level(self, frontier, probe)
        record = self.graph is not None
        variant = bool(self.seen.runs) or record
        if self._compiled[variant] is None:
            self._compiled[variant] = build_level(self.info, self.fingerprint, self.deadlock, variant, record)
        return self._compiled[variant](self, frontier, probe)

    def _observe(self, fps: list[int], states: list[Any], first: int) -> None:
        """Note new states (log indices from `first`) in the state graph, with their predicates."""
        try:
            self.graph.add_states(fps, states)
        except Exception:
            self._fail(lv.observe_failed(self, states, first))

    def key(self, s: Any) -> int:
        """The fingerprint of `s` as the loop computes it, its parts registered (slow paths)."""
        if self.fingerprint is not None:
            return self.fingerprint(s)
        if not self.registry.covers(s):
            self.registry.register(s)
        return hash(s)

    def depth_reason(self) -> str:
        return f"reached max_depth={self.max_depth}"

    def states_reason(self) -> str:
        return f"reached max_states={self.max_states}"

    def _deadlock(self, idx: int) -> None:
        self._met(("deadlock",))
        if "deadlock" not in self.violated:  # one trace, as for an invariant, under --continue
            self._report(Diagnosis("deadlock", "deadlock", DEADLOCK_MESSAGE, None, None), idx)

    # -- rare paths ----------------------------------------------------------------------------

    def _check(self, s: Any, idx: int) -> None:
        try:
            found = run_invariants(self.spec, self.invariants, s)
        except Exception:
            self._fail(self._diagnose_state(s, idx, None, expand=False))
        self._met(name for name, _ in found)
        for name, message in found:
            if name not in self.violated:
                self._report(Diagnosis("invariant", name, message, None, None), idx)

    def _met(self, names: Iterable[str]) -> None:
        for name in names:
            self.violating[name] = self.violating.get(name, 0) + 1

    def _admit_type(self, t: Any) -> bool:
        return admit_state_type(self.state_types, t)

    def _terminal(self, s: Any, idx: int) -> bool:
        try:
            return any(t(self.spec, s) for t in self.info.terminals)
        except Exception:
            self._fail(self._diagnose_state(s, idx, None, expand=False))
        return False

    def _diagnose_state(self, s: Any, idx: int | None, ordinal: int | None, expand: bool) -> Diagnosis:
        diag = diagnose(self.spec, self.info, self.invariants, s, self.key, self.state_types, expand)
        if idx is None:  # a problem with an initial state itself
            return Diagnosis(diag.kind, diag.name, diag.message, None, diag.traceback, ordinal=ordinal)
        return Diagnosis(diag.kind, diag.name, diag.message, diag.step, diag.traceback, index=idx)

    def _fail(self, diag: Diagnosis) -> None:
        self._record(diag, diag.index)
        raise _Stop("error", diag.message)

    def _report(self, diag: Diagnosis, idx: int) -> None:
        self.violated.add(diag.name)
        self._record(diag, idx)
        stop = stop_for(diag.kind, self.stop_on_first)
        if stop is not None:
            raise _Stop(stop)

    def _record(self, diag: Diagnosis, idx: int | None) -> None:
        trace = []
        try:
            if idx is not None:
                ordinal, steps = self.log.path(idx)
                if diag.step is not None:
                    steps = steps + [diag.step]
                trace = replay(self.spec, self.info.actions, self.inits[ordinal], steps)
            elif diag.ordinal is not None:
                trace = replay(self.spec, self.info.actions, self.inits[diag.ordinal], [])
        except Exception as exc:  # a non-deterministic spec: say so rather than show a wrong trace
            diag = Diagnosis("error", diag.name, f"{diag.message} (and the trace could not be rebuilt: {exc})", None, diag.traceback)
        self.violations.append(Violation(diag.kind, diag.name, diag.message, trace, diag.traceback))

    def _tick(self) -> None:
        if self.registry.clash is not None and not self.exact:
            raise _Stop("incomplete", CLASH_STOP)  # run() starts again exactly
        now = time.monotonic()
        if self.time_limit is not None and now - self.t0 >= self.time_limit:
            raise _Stop("incomplete", self.time_reason())
        if self.progress is not None and now >= self.next_report:
            self.next_report = now + self.progress_interval
            self.progress(self.snapshot(now))

    def snapshot(self, now: float | None = None) -> dict:
        elapsed = (now or time.monotonic()) - self.t0
        return {
            "distinct": len(self.log),
            "generated": self.generated,
            "queue": self.queue_left,
            "depth": self.depth,
            "seconds": elapsed,
            "per_second": len(self.log) / elapsed if elapsed > 0 else 0.0,
            "levels": self.level_sizes[-4:],
        }

    def _result(self, status: str, reason: str) -> CheckResult:
        n_actions = len(self.info.actions)
        counts = Counts(len(self.log), self.generated, self.fired, self.log.new_per_action(n_actions), self.queue_left)
        result = build_result(self, status, reason, counts, violating=self.violating)
        result.properties = [inst.label for inst in self.live]
        if self.graph is not None:
            result.transitions = self.graph.edges
            result.vacuous += [name for name in self.vacuous_properties if name not in result.vacuous]
            if not self.liveness_checked and result.status != "error":
                why = ("the search stopped at the first violation (--continue explores on)" if result.status in
                       ("violation", "deadlock") else "the search did not explore every reachable state")
                result.warnings.append(f"The liveness properties ({', '.join(result.properties)}) were not checked: "
                                       f"{why}, and a cycle can only be judged on the whole state graph.")
        return result


def _all_hold(invariants: tuple[Callable, ...]) -> Callable[[Any, Any], bool]:
    """One function that is True when every invariant returns True (the fast path: any
    other outcome, exceptions included, is sorted out per invariant on the slow path)."""
    ns = {f"inv{k}": f for k, f in enumerate(invariants)}
    chain = " and ".join(f"inv{k}(spec, t) is True" for k in range(len(invariants))) or "True"
    exec(f"def holds(spec, t):\n    return {chain}\n", ns)
    return ns["holds"]


def _select_invariants(info: SpecInfo, names: Iterable[str] | None, spec: Any = None) -> dict[str, Callable]:
    """The invariants to check: those named, else the spec's `promises()` for this
    configuration (when it defines one), else all of them."""
    if names is None:
        promises = getattr(spec, "promises", None)
        if promises is None:
            return dict(info.invariants)
        names = list(promises())
    if isinstance(names, str):
        names = [names]
    chosen = {}
    for name in names:
        if name not in info.invariants:
            known = ", ".join(info.invariants) or "none (declare one with @invariant)"
            raise SpecError(
                f"{info.cls.__name__} has no invariant named {name!r}. Its invariants are: {known}. "
                "Pass one of those names (or none, to check them all)."
            )
        chosen[name] = info.invariants[name]
    return chosen


def check(
    spec: Any,
    deadlock: bool = True,
    invariants: Iterable[str] | None = None,
    max_states: int | None = None,
    max_depth: int | None = None,
    time_limit: float | None = None,
    stop_on_first: bool = True,
    *,
    progress: Callable[[dict], None] | None = None,
    progress_interval: float = 2.0,
    symmetry: bool = True,
    workers: int | str = 1,
    properties: Iterable[str] | None = None,
    liveness: bool = True,
    reduction: bool = False,
    options: Options | None = None,
) -> CheckResult:
    """Explore every state reachable from `spec.init()` and check the invariants on each.

    Raises SpecError for a configuration that cannot be checked (a constant of the wrong
    type, an unknown invariant, a bad option); problems met while running the spec's code
    give a result with status 'error' and the trace to where it happened. `symmetry=False`
    ignores a symmetry the spec declares (symmetry.py); with it, a declaration that fails its
    self-check raises SpecError. `workers` > 1 (or 'auto': one per core) searches in that
    many processes (parallel.py), with the same result. `options` is all of these as one
    `Options` value (options.py), in place of the keywords. `properties` names the liveness
    properties to check (None: every one the spec declares; properties.py); `liveness=False`
    checks none (safety only). `reduction=True` explores one order of the steps the spec
    declares independent (partial-order reduction: reduction_search.py, docs/reduction.md).
    """
    from .parallel import check_parallel

    given = Options(deadlock=deadlock, invariants=invariants, max_states=max_states, max_depth=max_depth,
                    time_limit=time_limit, stop_on_first=stop_on_first, progress=progress,
                    progress_interval=progress_interval, symmetry=symmetry, workers=workers,
                    properties=properties, liveness=liveness, reduction=reduction)
    if options is None:
        options = given
    elif not isinstance(options, Options):
        raise SpecError(f"options={options!r} must be a checker.Options (or None, to use the keywords).")
    elif given != DEFAULT:
        changed = ", ".join(f.name for f in attrs.fields(Options) if getattr(given, f.name) != getattr(DEFAULT, f.name))
        raise SpecError(f"check() was given options= and also {changed}=. Pass the options one way: as keywords, or "
                        f"all in options=Options(...) (attrs.evolve(options, {changed.split(', ')[0]}=...) changes one).")
    n = options.processes
    if n > 1:
        lv.refuse_unsound(spec, describe(type(spec)), lv.selected(describe(type(spec)), options), False, n)
    engine = Search
    if options.reduction:
        from .reduction_search import ReducedSearch, refuse

        refuse(spec, options)
        engine = ReducedSearch
    try:
        with exit_is_an_error():  # sys.exit() in the spec's code: status 'error', not the caller's exit
            if n > 1:
                return check_parallel(spec, options)
            return engine(spec, options).run()
    except ExactRerun as rerun:
        # Fast fingerprints could have merged two different states: start again exactly
        # (in one process: exact numbers are per process). fingerprint.py says why.
        with exit_is_an_error():
            result = engine(spec, options, exact=True).run()
        result.warnings.insert(0, clash_message(rerun.clash))
        result.exact_fingerprints = True
        return result
