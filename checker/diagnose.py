"""The slow path: when the hot loop meets an exception or a bad state, re-run the one
state step by step to say exactly which action, argument, constraint or invariant failed.

Re-running instead of instrumenting keeps bookkeeping out of the hot loop; it relies on
the spec being deterministic, which the trace replay needs anyway.
"""

from __future__ import annotations

import os
import traceback as tb
from typing import Any, Callable

import attrs

from .errors import DEEP_VALUE, SpecError
from .spec import Failure, InvariantFailed, SpecInfo
from .states import state_problem
from .successors import instances

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


@attrs.frozen
class Diagnosis:
    kind: str  # 'invariant' | 'deadlock' | 'error'
    name: str
    message: str
    step: tuple[int, tuple] | None  # a step past the state the trace ends in, if the problem is in its successor
    traceback: str | None
    index: int | None = None
    ordinal: int | None = None


def spec_traceback(exc: BaseException) -> str:
    """The traceback of `exc` with the engine's own frames removed."""
    frames = [f for f in tb.extract_tb(exc.__traceback__) if not os.path.abspath(f.filename).startswith(_ENGINE_DIR)]
    lines = tb.format_list(frames) + tb.format_exception_only(type(exc), exc)
    return "Traceback (spec frames only):\n" + "".join(lines)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_invariants(spec: Any, invariants: dict[str, Callable], s: Any) -> list[tuple[str, str]]:
    """(name, message) of each invariant false in `s`. Exceptions other than InvariantFailed propagate."""
    failed = []
    for name, inv in invariants.items():
        try:
            r = inv(spec, s)
        except InvariantFailed as exc:
            failed.append((name, str(exc) or f"invariant {name} is violated"))
            continue
        if r is True:
            continue
        if isinstance(r, Failure):
            failed.append((name, r.reason))
        elif r is None:
            raise SpecError(
                f"Invariant {name} returned None. An invariant must return a bool (or fail('reason')); "
                "check that every path through it ends in a return statement."
            )
        elif not r:
            failed.append((name, f"invariant {name} is violated"))
    return failed


def diagnose_init(exc: BaseException) -> Diagnosis:
    return Diagnosis("error", "init", f"init() raised {_describe(exc)}", None, spec_traceback(exc))


def diagnose(
    spec: Any,
    info: SpecInfo,
    invariants: dict[str, Callable],
    s: Any,
    key: Callable | None,
    state_types: set[type],
    expand: bool,
) -> Diagnosis:
    """Find the first problem in checking `s` itself, or (with `expand`) in computing its successors."""
    if not expand:
        return _check_state(spec, info, invariants, s, key, None) or _check_terminals(spec, info, s) or _unreproduced()
    for ai, act in enumerate(info.actions):
        try:
            arg_list = list(instances(act, spec, s)) if act.params else [()]
        except Exception as exc:
            return Diagnosis("error", act.name, f"a parameter domain of action {act.name} raised {_describe(exc)}", None, spec_traceback(exc))
        for args in arg_list:
            label = act.label(args)
            try:
                t = act.fn(spec, s, *args)
            except Exception as exc:
                return Diagnosis("error", act.name, f"action {label} raised {_describe(exc)}", None, spec_traceback(exc))
            if t is None:
                continue
            problem = state_problem(t, f"action {label}")
            if problem:
                return Diagnosis("error", act.name, problem, None, None)
            if type(t) not in state_types:
                if state_types and not any(isinstance(t, k) for k in state_types):
                    kinds = ", ".join(sorted(k.__name__ for k in state_types))
                    return Diagnosis(
                        "error",
                        act.name,
                        f"action {label} returned a {type(t).__name__}, but states are {kinds}. An action returns "
                        "the next state (of the same type as the initial states) or None when it is not enabled.",
                        None,
                        None,
                    )
                state_types.add(type(t))
            found = _check_state(spec, info, invariants, t, key, (ai, args))
            if found:
                return found
    return _check_terminals(spec, info, s) or _unreproduced()


def _check_terminals(spec, info, s) -> Diagnosis | None:
    try:
        any(term(spec, s) for term in info.terminals)
    except Exception as exc:
        return Diagnosis("error", "terminal", f"a @terminal predicate raised {_describe(exc)}", None, spec_traceback(exc))
    return None


def _check_state(spec, info, invariants, t, key, step) -> Diagnosis | None:
    for con in info.constraints:
        try:
            con(spec, t)
        except Exception as exc:
            return Diagnosis("error", con.__name__, f"constraint {con.__name__} raised {_describe(exc)}", step, spec_traceback(exc))
    if key is not None:
        try:
            key(t)
        except SpecError as exc:  # a value the fingerprint refuses (fingerprint.py)
            return Diagnosis("error", "state", str(exc), step, None)
        except RecursionError:  # hashing a value nested too deep: the state's shape, not a view
            return Diagnosis("error", "state", DEEP_VALUE, step, None)
        except Exception as exc:
            return Diagnosis("error", "view", f"computing the fingerprint (view or symmetry) raised {_describe(exc)}; "
                             "view() must return a hashable value", step, spec_traceback(exc))
    for name, inv in invariants.items():
        try:
            run_invariants(spec, {name: inv}, t)
        except SpecError as exc:
            return Diagnosis("error", name, str(exc), step, None)
        except Exception as exc:
            return Diagnosis("error", name, f"invariant {name} raised {_describe(exc)}", step, spec_traceback(exc))
    return None


def _unreproduced() -> Diagnosis:
    return Diagnosis(
        "error",
        "nondeterminism",
        "an error occurred while exploring this state but did not happen again when the state was re-run: "
        "the spec is not deterministic (it depends on randomness, time, global variables or set iteration order).",
        None,
        None,
    )
