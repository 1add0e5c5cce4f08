"""Assertions the model tests share: a counterexample is found, names the invariant, and replays."""

from __future__ import annotations

from typing import Any

from checker import check, verify_trace


def replays(spec: Any, trace) -> bool:
    """The trace is a real behaviour: it starts in an initial state and each step's action,
    re-run from the previous state, yields the next state."""
    return verify_trace(spec, trace) is None


def first_violation(spec: Any, invariant: str):
    """Check `spec` for `invariant` alone; assert it is violated by a replayable trace."""
    r = check(spec, invariants=[invariant])
    assert r.status == "violation", r.status
    v = r.violation
    assert v.name == invariant
    assert replays(spec, v.trace)
    return v


def actions(v) -> list[str]:
    """The labels of a counterexample's steps (without the initial state)."""
    return [s.action for s in v.trace[1:]]
