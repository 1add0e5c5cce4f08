"""Assertions for checking specs inside a pytest (or unittest) suite.

Why: `assert r.ok, r` shows a repr; a failing model test should show what `protocheck
check` shows — the counterexample step by step, the invariant's reason, the verdict. Each
helper runs `checker.check`, returns what a test goes on to inspect, and on failure raises
AssertionError whose message is that rendering (reports/terminal.py, imported only then).

    from checker.testing import assert_holds, assert_violates
    assert_holds(TwoPhase(rms=3))                                   # -> CheckResult
    v = assert_violates(DieHard(), "big_is_not_goal", max_length=7)  # -> Violation
"""

from __future__ import annotations

import io
from typing import Any

from .result import CheckResult, Violation
from .search import check
from .trace import verify_trace

RENDER_WIDTH = 100  # columns of the rendered failure (pytest shows it as is)


def assert_holds(spec: Any, **options: Any) -> CheckResult:
    """Every reachable state is explored and no invariant (nor deadlock, unless
    `deadlock=False`) is violated. `options` are `checker.check`'s. A search cut short by a
    limit fails: it has not shown that the spec holds."""
    r = check(spec, **options)
    if r.status != "ok":
        raise AssertionError(_failure(f"expected {r.spec} to hold, but the check ended {r.status.upper()}", r))
    return r


def assert_violates(spec: Any, invariant: str, max_length: int | None = None, **options: Any) -> Violation:
    """The search finds a state breaking `invariant` and its (shortest) counterexample has at
    most `max_length` states, the initial one included (as `max_length` in models.toml).
    Only `invariant` is checked unless `invariants=` is given. The trace is replayed
    (`checker.verify_trace`), so a returned counterexample is a real behaviour."""
    options.setdefault("invariants", [invariant])
    r = check(spec, **options)
    v = next((v for v in r.violations if v.kind == "invariant" and v.name == invariant), None)
    if v is None:
        raise AssertionError(_failure(f"expected invariant {invariant} to be violated, but {_got(r)}", r))
    return _checked_trace(spec, r, v, max_length, f"invariant {invariant}")


def assert_deadlocks(spec: Any, max_length: int | None = None, **options: Any) -> Violation:
    """The search reaches a state with no successor (and not declared `@terminal`) in a trace
    of at most `max_length` states. No invariant is checked unless `invariants=` is given."""
    options.setdefault("invariants", [])
    options["deadlock"] = True
    r = check(spec, **options)
    v = next((v for v in r.violations if v.kind == "deadlock"), None)
    if v is None:
        raise AssertionError(_failure(f"expected a deadlock, but {_got(r)}", r))
    return _checked_trace(spec, r, v, max_length, "the deadlock")


def _checked_trace(spec: Any, r: CheckResult, v: Violation, max_length: int | None, what: str) -> Violation:
    if max_length is not None and len(v.trace) > max_length:
        raise AssertionError(_failure(
            f"expected a counterexample of at most {max_length} states for {what}, "
            f"but the shortest has {len(v.trace)}", r))
    problem = verify_trace(spec, v.trace)
    if problem is not None:
        raise AssertionError(_failure(f"the counterexample for {what} does not replay: {problem}", r))
    return v


def _got(r: CheckResult) -> str:
    if r.status == "ok":
        return f"it holds in all {r.distinct_states:,} distinct states (no trace)"
    if r.violation is None:
        return f"the check ended {r.status.upper()} with no counterexample ({r.reason})"
    v = r.violation
    found = {"invariant": f"invariant {v.name} is violated", "deadlock": "a deadlock", "error": f"an error in {v.name}"}[v.kind]
    return f"the check found {found} first (status {r.status.upper()})"


def _failure(headline: str, r: CheckResult) -> str:
    """The headline, then the result as the command line prints it (traces and verdict)."""
    from rich.console import Console

    from reports.terminal import print_result

    out = io.StringIO()
    console = Console(file=out, width=RENDER_WIDTH, highlight=False, color_system=None, force_terminal=False)
    print_result(r, console, quiet=True)
    return f"{headline}\n\n{out.getvalue().rstrip()}"
