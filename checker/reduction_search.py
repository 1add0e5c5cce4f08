"""The search with partial-order reduction (`check(..., reduction=True)`): the one-process
breadth-first search, expanding each state with the ample set reduction.py chooses.

Why a separate loop: the default loops (level.py, and codegen.py's generated copy) stay
exactly as they are, untouched by the reduction's per-state work (an ample set, a
proviso test, a sampled self-check); this one is level.py's loop in plain Python with the
successors of a state taken from the reducer. Everything after a level — settling,
invariants, limits, traces, the result — is the plain search's. The reducer's choices
are kept per level, so that recounting a chunk at a violation (`_rewind`) counts the
successors the search actually took.
"""

from __future__ import annotations

from typing import Any

import attrs

from .errors import SpecError
from .level import BadSuccessor
from .options import DEFAULT, Options
from .reduction import Reducer, state_fields
from .reduction_check import IndependenceCheck
from .result import CheckResult
from .search import PROGRESS_EVERY, Search
from .settle import Stop
from .successors import successors

SYMMETRY_IGNORED = ("reduction=True: the spec's declared symmetry is not used (partial-order reduction and symmetry "
                    "reduction together are not implemented here); the search explores states without it.")


class ReducedSearch(Search):
    def __init__(self, spec: Any, options: Options = DEFAULT, *, proviso: bool = True, **kw: Any):
        """As Search; `proviso=False` drops the cycle proviso (only for the test that shows it is needed)."""
        symmetric = options.symmetry and callable(getattr(spec, "symmetry", None))
        super().__init__(spec, attrs.evolve(options, symmetry=False), **kw)
        if symmetric:
            self.warnings.append(SYMMETRY_IGNORED)
        self.proviso = proviso
        self.reducer: Reducer | None = None
        self.decisions: dict[int, list[int]] = {}  # log index -> positions taken, for reduced states of this level
        self.level_first = 0

    def visited(self, t: Any) -> bool:
        return t in self.window or self.key(t) in self.seen

    def _level(self, frontier: list[Any], probe: bool) -> list[Any]:
        if self.reducer is None:
            fields = state_fields(self.inits)
            reducer = Reducer(self.spec, self.info, self.invariants, self.visited, fields, self.proviso)
            if reducer.fp.declared:
                if fields is None:
                    raise SpecError(
                        f"{type(self.spec).__name__} declares footprints (reads=/writes=) but its states have no named "
                        "fields (a NamedTuple, @record, attrs or dataclass record): footprints name fields. Make the "
                        "state a record, or check without reduction.")
                reducer.check = IndependenceCheck(self.spec, self.info, reducer.fp, reducer.invariants, reducer.visible)
            self.reducer = reducer
        self.level_sizes.append(len(frontier))
        self.window = set(frontier)
        self.decisions = {}
        return self._expand(frontier, probe)

    def _expand(self, frontier: list[Any], probe: bool) -> list[Any]:
        """level.expand_level with the reducer's successors (see level.py for the semantics)."""
        spec, info, reducer = self.spec, self.info, self.reducer
        constraints, seen, window, types = info.constraints, self.seen.recent, self.window, self.state_types
        instance_id, key = self.log.instance_id, self.key
        keep_fps = bool(self.seen.runs)
        n_actions = len(info.actions)
        first = self.level_first = len(self.log) - len(frontier)  # log index of frontier[0]
        nxt: list[Any] = []
        parents: list[int] = []
        iids: list[int] = []
        fps: list[int] = []
        fired = [0] * n_actions
        chunk_start = 0
        self._mark = 0
        self.queue_left = len(frontier)

        def settle() -> None:
            self._settle(nxt, parents, iids, fps, tuple(fired), probe, frontier, chunk_start)
            fired[:] = [0] * n_actions

        for lo in range(0, len(frontier), PROGRESS_EVERY):
            if lo:
                settle()
                chunk_start = lo
                self.queue_left = len(frontier) - lo + len(nxt)
                self._tick()
            for k, s in enumerate(frontier[lo:lo + PROGRESS_EVERY], first + lo):
                found = 0
                try:
                    succ, chosen = reducer.expand(s)
                    if chosen is not None:
                        self.decisions[k] = chosen
                        succ = [succ[j] for j in chosen]
                    for ai, args, t in succ:
                        fired[ai] += 1
                        found += 1
                        if t is s:
                            continue
                        if constraints and not all(c(spec, t) for c in constraints):
                            continue
                        if t in window:
                            continue
                        h = key(t)
                        if h in seen:
                            continue
                        if type(t) not in types and not self._admit_type(t):
                            raise BadSuccessor
                        seen.add(h)
                        window.add(t)
                        nxt.append(t)
                        parents.append(k)
                        iids.append(instance_id(ai, args))
                        if keep_fps:
                            fps.append(h)
                except (Stop, KeyboardInterrupt, SpecError):
                    self._count(tuple(fired))
                    raise
                except Exception:
                    self._count(tuple(fired))
                    self._fail(self._diagnose_state(s, k, None, expand=True))
                if not found and self.deadlock and not self._terminal(s, k):
                    settle()
                    chunk_start = k - first + 1
                    self._deadlock(k)
        settle()
        self.queue_left = len(nxt)
        self._tick()
        return nxt

    def _rewind(self, target: Any) -> None:
        """Settling's recount (settle.py), over the successors the search took."""
        frontier, start, fired, base = self._chunk
        fp, spec, constraints = self.fingerprint or hash, self.spec, self.info.constraints
        want = fp(target)
        self.generated = base
        for ai, k in enumerate(fired):
            self.fired[ai] -= k
        for k, s in enumerate(frontier[start:], self.level_first + start):
            succ = list(successors(self.info, spec, s))
            if k in self.decisions:
                succ = [succ[j] for j in self.decisions[k]]
            for ai, _, t in succ:
                self.fired[ai] += 1
                self.generated += 1
                if fp(t) == want and all(c(spec, t) for c in constraints):
                    return

    def _result(self, status: str, reason: str) -> CheckResult:
        result = super()._result(status, reason)
        result.reduction = True
        if self.reducer is not None:
            result.expanded_fully, result.expanded_reduced = self.reducer.fully, self.reducer.reduced
        return result


def refuse(spec: Any, options: Options) -> None:
    """Raise SpecError for what reduction does not support: liveness properties (it
    preserves invariants and deadlocks only) and several workers."""
    from .liveness import selected
    from .spec import describe

    chosen = [p.name for p in selected(describe(type(spec)), options)]
    if chosen:
        raise SpecError(
            f"reduction=True cannot check the liveness properties of {type(spec).__name__} ({', '.join(chosen)}): the "
            "partial-order reduction here preserves invariant verdicts and deadlocks only, and a reduced state "
            "graph can hide a cycle that breaks a property. Check the properties without reduction, or check only "
            "the invariants with it: liveness=False (--no-liveness).")
    if options.processes > 1:
        raise SpecError(f"reduction=True runs in one process; workers={options.workers!r} is not supported with it. "
                        "Use workers=1, or drop reduction.")
