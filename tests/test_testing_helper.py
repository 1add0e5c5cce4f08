"""checker.testing: the assertions users put in their own test suites pass when the spec
does what is asserted and, when it does not, fail with the counterexample rendered as the
command line prints it."""

from __future__ import annotations

import sys

import pytest

from checker.testing import assert_deadlocks, assert_holds, assert_violates
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Grid, Infinite, Lonely


def failure_of(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_assert_holds_returns_the_result_of_a_complete_search():
    r = assert_holds(TwoPhase(rms=3))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 288, 1146, 11)


def test_assert_holds_fails_with_the_trace_as_the_cli_prints_it():
    text = failure_of(assert_holds, DieHard())
    assert text.splitlines()[0] == "expected DieHard to hold, but the check ended VIOLATION"
    assert "Invariant big_is_not_goal is violated — counterexample of 7 states (6 steps):" in text
    assert "  1  fill_big\n       big: 0 → 5" in text
    assert "  ✗ Invariant big_is_not_goal is violated\n" in text
    assert text.rstrip().endswith("VIOLATION  invariant big_is_not_goal violated after 6 steps")


def test_assert_holds_refuses_a_search_cut_short():
    text = failure_of(assert_holds, Infinite(), max_states=10)
    assert text.splitlines()[0] == "expected Infinite to hold, but the check ended INCOMPLETE"
    assert "reached max_states=10; the search did NOT cover every state" in text


def test_assert_holds_passes_options_to_check():
    assert assert_holds(Lonely(), deadlock=False).distinct_states == 1
    assert "Deadlock — counterexample of 1 state (an initial state, no step):" in failure_of(assert_holds, Lonely())


def test_assert_violates_returns_the_shortest_counterexample():
    v = assert_violates(DieHard(), "big_is_not_goal", max_length=7)
    assert [s.action for s in v.trace][:3] == ["init", "fill_big", "big_to_small"]
    assert v.trace[-1].state.big == 4


def test_assert_violates_fails_when_the_trace_is_longer_than_allowed():
    text = failure_of(assert_violates, DieHard(), "big_is_not_goal", max_length=6)
    assert text.splitlines()[0] == ("expected a counterexample of at most 6 states for invariant big_is_not_goal, "
                                    "but the shortest has 7")
    assert "counterexample of 7 states (6 steps)" in text


def test_assert_violates_fails_when_the_invariant_holds():
    text = failure_of(assert_violates, Grid(), "always")
    assert text.splitlines()[0] == "expected invariant always to be violated, but it holds in all 9 distinct states (no trace)"
    assert text.rstrip().endswith("OK  no invariant violated and no deadlock in 9 distinct states")


def test_assert_violates_names_the_invariant_that_failed_instead():
    text = failure_of(assert_violates, Grid(), "not_far", invariants=["not_far", "x_small"])
    assert text.splitlines()[0] == ("expected invariant not_far to be violated, but the check found "
                                    "invariant x_small is violated first (status VIOLATION)")
    assert "✗ Invariant x_small is violated: x reached 2" in text


def test_assert_violates_checks_only_the_named_invariant_by_default():
    v = assert_violates(Grid(), "x_small", max_length=3)
    assert v.message == "x reached 2"


def test_assert_deadlocks():
    v = assert_deadlocks(Lonely(), max_length=1)
    assert [s.action for s in v.trace] == ["init"]
    text = failure_of(assert_deadlocks, Grid())
    assert text.splitlines()[0] == "expected a deadlock, but it holds in all 9 distinct states (no trace)"


def test_the_engine_package_does_not_import_reports_until_a_failure():
    import subprocess

    code = ("import sys; import checker.testing; assert 'reports.terminal' not in sys.modules; "
            "from spec.two_phase import TwoPhase; checker.testing.assert_holds(TwoPhase(rms=2)); "
            "assert 'reports.terminal' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
