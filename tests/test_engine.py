"""Exact counts, traces and limits on specs small enough to verify by hand (or against TLC)."""

import pytest

from checker import check
from checker.testing import assert_deadlocks, assert_violates
from spec.diehard import DieHard, Jugs
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Counter, Grid, Infinite, Lonely, P, StopAfter, Stutter


def test_diehard_shortest_solution():
    v = assert_violates(DieHard(), "big_is_not_goal", max_length=7)
    assert [st.action for st in v.trace] == [
        "init", "fill_big", "big_to_small", "empty(jug='small')", "big_to_small", "fill_big", "big_to_small",
    ]
    assert v.trace[-1].state == Jugs(small=3, big=4)
    assert v.trace[3].name == "empty" and v.trace[3].args == {"jug": "small"}


def test_diehard_counts_match_tlc():
    # TLC on DieHard.tla: 16 distinct states, 97 generated, depth 8.
    r = check(DieHard(goal=9))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 16, 97, 8)
    r = check(DieHard(), stop_on_first=False)
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("violation", 16, 97, 8)
    assert len(r.violations) == 1 and len(r.violation.trace) == 7


def test_two_phase_counts_match_tlc():
    assert (lambda r: (r.status, r.distinct_states, r.generated_states, r.depth))(check(TwoPhase(rms=3))) == ("ok", 288, 1146, 11)
    r = check(TwoPhase(rms=5))
    assert r.distinct_states == 8832


def test_constraint_semantics_follow_tlc():
    r = check(Counter(limit=5))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 6, 7, 6)


def test_single_state_without_successors():
    assert check(Lonely(), deadlock=False).depth == 1
    r = check(Lonely())
    assert (r.status, r.violation.kind, r.violation.name, len(r.violation.trace)) == ("deadlock", "deadlock", "deadlock", 1)
    assert r.exit_code == 1


def test_stuttering_is_a_successor_not_a_deadlock():
    r = check(Stutter())
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 1, 2, 1)
    assert r.coverage["same"].fired == 1 and r.coverage["same"].new_states == 0


def test_terminal_states_are_not_deadlocks():
    r = check(Grid(n=2), invariants=["always"])
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 4, 5, 3)
    v = assert_deadlocks(Grid(n=2, allow_corner=False))
    assert [s.state for s in v.trace] == [P(0, 0), P(1, 0), P(1, 1)]


def test_invariant_reasons_are_reported():
    v = assert_violates(Grid(n=4), "not_far")
    assert v.message == "x+y = 3" and len(v.trace) == 4
    v = assert_violates(Grid(n=4), "x_small")
    assert v.message == "x reached 2" and len(v.trace) == 3


def test_continue_reports_one_shortest_trace_per_invariant():
    r = check(Grid(n=4), stop_on_first=False)
    assert r.status == "violation"
    assert {v.name: len(v.trace) for v in r.violations} == {"x_small": 3, "not_far": 4}
    assert r.distinct_states == 16 and r.depth == 7


def test_coverage_counts_and_never_fired():
    r = check(Grid(n=3), invariants=["always"])
    assert r.coverage["move"].fired == 12 and r.coverage["move"].new_states == 8
    assert r.never_fired == []
    assert check(Lonely(), deadlock=False).never_fired == ["never"]


def test_max_states_is_incomplete_never_ok():
    r = check(Infinite(), max_states=10)
    assert (r.status, r.ok, r.distinct_states, r.exit_code) == ("incomplete", False, 10, 3)
    assert "max_states=10" in r.reason
    # A limit the search does not reach changes nothing.
    assert check(Counter(), max_states=6).status == "ok"


def test_max_depth():
    r = check(Infinite(), max_depth=4)
    assert (r.status, r.distinct_states, r.depth) == ("incomplete", 4, 4)
    assert check(Counter(), max_depth=6).status == "ok"
    assert check(Counter(), max_depth=5).status == "incomplete"


def test_time_limit():
    r = check(Infinite(), time_limit=0.2)
    assert r.status == "incomplete" and "time_limit" in r.reason and r.distinct_states > 0


def test_interrupt_reports_figures_so_far():
    r = check(StopAfter(at=50))
    assert (r.status, r.exit_code, r.distinct_states) == ("interrupted", 130, 51)


def test_view_projects_before_fingerprinting():
    import attrs

    @attrs.frozen
    class Viewed(Counter):
        def view(self, s):
            return min(s, 3)

    r = check(Viewed(limit=5))
    assert (r.distinct_states, r.depth) == (4, 4)


@pytest.mark.parametrize("n", [2, 3])
def test_collision_probability_is_tlc_estimate(n):
    r = check(TwoPhase(rms=n))
    assert r.collision_probability == pytest.approx(r.distinct_states * (r.generated_states - r.distinct_states) / 2**64)


def test_verify_trace_accepts_counterexamples_and_rejects_forgeries():
    from checker import Step, verify_trace

    spec = DieHard()
    trace = check(spec).violation.trace
    assert verify_trace(spec, trace) is None
    forged = trace[:2] + [Step("fill_small", Jugs(small=3, big=0), "fill_small")]
    assert verify_trace(spec, forged) == "step 2: fill_small yields a different state than the trace shows"
    assert verify_trace(spec, [Step("init", Jugs(1, 1))]) == "the first state is not an initial state of the spec"


def test_continue_past_violations_rewinds_only_for_reported_ones(monkeypatch):
    """With stop_on_first=False most violating states break an invariant already reported:
    those must not pay for re-creating the counts of their moment (that was quadratic)."""
    from checker.search import Search
    from spec.kafka_controller import KafkaController

    calls = []
    rewind = Search._rewind
    monkeypatch.setattr(Search, "_rewind", lambda self, t: (calls.append(t), rewind(self, t)))
    r = check(KafkaController(controller_epoch_fencing=False), stop_on_first=False)
    assert (r.status, r.distinct_states, len(r.violations)) == ("violation", 17894, 2)
    assert len(calls) == 2
