"""Random simulation (checker/simulate.py): seeds, verdicts, shrinking, statistics, errors."""

from __future__ import annotations

import attrs
import pytest

from checker import SpecError, always_eventually, simulate, verify_trace
from checker.result import EXIT_CODES
from checker.shrink import Shrinker
from checker.spec import describe
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Broken, Counter, Grid, Lonely, Words
from tests.tlc.missionaries import MissionariesAndCannibals


def actions(r) -> list[str]:
    return [st.action for st in r.violation.trace]


def test_the_same_seed_gives_the_same_walks_and_counterexample():
    a, b = simulate(DieHard(), seed=7), simulate(DieHard(), seed=7)
    assert actions(a) == actions(b)
    assert (a.simulation.walk, a.simulation.original_length, a.simulation.steps, a.distinct_states) == \
        (b.simulation.walk, b.simulation.original_length, b.simulation.steps, b.distinct_states)
    assert a.coverage == b.coverage and a.simulation.enabled == b.simulation.enabled


def test_different_seeds_give_different_walks():
    runs = [simulate(TwoPhase(rms=3), seed=s, traces=20, swarm="off") for s in range(3)]
    assert len({tuple(sorted((n, c.fired) for n, c in r.coverage.items())) for r in runs}) == 3


def test_two_workers_run_the_same_walks_and_report_the_same_counterexample():
    one, two = simulate(DieHard(), seed=3), simulate(DieHard(), seed=3, workers=2)
    assert two.simulation.workers == 2
    assert (two.simulation.walk, actions(two)) == (one.simulation.walk, actions(one))
    a = simulate(TwoPhase(rms=3), seed=5, traces=40)
    b = simulate(TwoPhase(rms=3), seed=5, traces=40, workers=2)
    fired = lambda r: {n: c.fired for n, c in r.coverage.items()}  # noqa: E731 ('new states': whoever met it first)
    assert (b.simulation.traces, b.simulation.steps, b.distinct_states, fired(b), b.simulation.enabled) == \
        (a.simulation.traces, a.simulation.steps, a.distinct_states, fired(a), a.simulation.enabled)


def test_a_bug_free_spec_ends_no_violation_never_ok():
    r = simulate(TwoPhase(rms=3), seed=1, traces=200)
    assert r.status == "no_violation" and not r.ok and r.exit_code == 0 and r.violations == []
    # two-phase never stops: every walk runs to max_depth (100 states, 99 steps)
    assert r.reason == "no violation in 200 traces (19,800 steps, 100 max depth), not exhaustive"
    assert r.simulation.lengths == {100: 200} and r.depth == 100
    assert r.distinct_states <= 288  # TLC's count of the whole space: a walk sees no more


def test_walks_stop_where_the_constraint_ends_them_and_count_what_they_saw():
    r = simulate(Counter(limit=5), traces=3, max_depth=50)
    assert r.status == "no_violation"
    assert r.simulation.lengths == {6: 3} and r.distinct_states == 6
    assert r.coverage["inc"].fired == 15 and r.coverage["inc"].new_states == 5
    assert r.simulation.enabled == {"inc": 15}
    assert r.reason == "no violation in 3 traces (15 steps, 6 max depth), not exhaustive"


def test_max_depth_counts_states_the_initial_one_included():
    r = simulate(TwoPhase(rms=3), traces=5, max_depth=4)
    assert r.simulation.lengths == {4: 5} and r.simulation.steps == 15


def test_time_limit_is_a_budget_and_ends_no_violation():
    r = simulate(TwoPhase(rms=3), time_limit=0.3)
    assert r.status == "no_violation" and r.simulation.traces > 0 and r.seconds < 3


def test_neither_traces_nor_time_limit_means_a_thousand_walks():
    r = simulate(Counter(limit=2), max_depth=10)
    assert r.simulation.traces == 1000


@pytest.mark.parametrize("seed", range(3))
def test_shrinking_keeps_the_violation_and_never_grows_the_trace(seed):
    raw = simulate(MissionariesAndCannibals(), seed=seed, shrink=False, invariants=["Solution"])
    shrunk = simulate(MissionariesAndCannibals(), seed=seed, bfs_states=0, invariants=["Solution"])
    assert raw.status == shrunk.status == "violation" and shrunk.violation.name == "Solution"
    assert len(shrunk.violation.trace) <= len(raw.violation.trace) == raw.simulation.original_length
    assert shrunk.simulation.original_length == raw.simulation.original_length
    assert verify_trace(MissionariesAndCannibals(), shrunk.violation.trace) is None
    last = shrunk.violation.trace[-1].state
    assert MissionariesAndCannibals().solution(last) is not True
    assert all(MissionariesAndCannibals().solution(st.state) is True for st in shrunk.violation.trace[:-1])


def test_diehard_shrinks_to_the_shortest_solution_without_the_bfs():
    lengths = {simulate(DieHard(), seed=s, bfs_states=0).simulation.shrunk_length for s in range(5)}
    assert lengths == {7}


def test_the_bfs_finds_the_shortest_and_replaces_a_longer_shrunk_trace():
    r = simulate(MissionariesAndCannibals(), seed=0, invariants=["Solution"])
    assert r.simulation.shortest == 12 and len(r.violation.trace) == 12
    assert r.simulation.shrunk_length >= 12


def test_the_bfs_bound_is_a_true_lower_bound_when_its_budget_runs_out():
    r = simulate(MissionariesAndCannibals(), seed=0, invariants=["Solution"], bfs_states=20)
    assert r.simulation.shortest is None
    assert 1 <= r.simulation.shortest_above < 12  # the shortest has 12 states


def test_no_shrink_shows_the_walks_own_trace():
    r = simulate(DieHard(), seed=2, shrink=False)
    assert len(r.violation.trace) == r.simulation.original_length == r.simulation.shrunk_length
    assert r.simulation.shrink_note == "shrinking was turned off"


def test_the_shrinker_replays_leniently_and_cuts_at_the_first_violation():
    spec = Grid(n=4)
    info = describe(Grid)
    sh = Shrinker(spec, info, "invariant", "not_far", info.invariants["not_far"], None, 5.0)
    x, y = ((0, ("x",)), (0, ("y",)))
    steps, states = sh.replay(next(iter(spec.init())), [x, x, x, x, x, y, y, y])  # the 4th and 5th x are disabled (n=4)
    assert steps == [x, x, x] and states[-1].x == 3  # cut at x+y == 3
    assert sh.replay(next(iter(spec.init())), [y]) is None


def test_deadlock_is_found_and_shrunk():
    r = simulate(Lonely())
    assert r.status == "deadlock" and r.exit_code == 1 and len(r.violation.trace) == 1


def test_words_spec_finds_the_three_word_set_in_four_states():
    r = simulate(Words(), seed=0)
    assert r.status == "violation" and len(r.violation.trace) == 4


@pytest.mark.parametrize("how, status, name", [("raise", "error", "step"), ("inv", "error", "checked"),
                                               ("list", "error", "step")])
def test_errors_in_the_spec_end_with_status_error_and_the_trace(how, status, name):
    r = simulate(Broken(how=how), traces=3)
    assert r.status == status and r.exit_code == 2 and r.violation.name == name
    assert r.simulation.shrink_note == "errors are shown as the walk met them"


def test_an_error_in_init_is_an_error_result():
    r = simulate(Broken(how="init"))
    assert r.status == "error" and "no initial state today" in r.violation.message


def test_statuses_and_exit_codes():
    assert EXIT_CODES["no_violation"] == 0


def test_ctrl_c_ends_interrupted_with_the_figures_so_far():
    def stop(progress):
        raise KeyboardInterrupt

    r = simulate(TwoPhase(rms=3), time_limit=30, progress=stop, progress_interval=0)
    assert r.status == "interrupted" and r.exit_code == 130 and r.simulation.traces >= 1


@attrs.frozen
class Ticking(Counter):
    @always_eventually
    def ticks(self, s):
        return s > 0


def test_liveness_properties_are_not_checked_and_the_result_says_so():
    r = simulate(Ticking(), traces=2)
    assert any("simulate checks invariants and deadlock only" in w and "ticks" in w for w in r.warnings)


@pytest.mark.parametrize("kwargs, words", [
    (dict(seed=-1), "seed=-1 must be at least 0"),
    (dict(seed=1.5), "seed=1.5 must be a whole number"),
    (dict(max_depth=0), "max_depth=0 must be at least 1"),
    (dict(traces=0), "traces=0 must be at least 1"),
    (dict(time_limit=-2), "time_limit=-2 must be positive"),
    (dict(swarm="sometimes"), "swarm='sometimes' must be one of 'mixed', 'on', 'off'"),
    (dict(shrink="yes"), "shrink='yes' must be True or False"),
    (dict(workers=0), "workers=0 must be a positive integer or 'auto'"),
    (dict(invariants=["nope"]), "DieHard has no invariant named 'nope'"),
])
def test_bad_arguments_get_one_paragraph(kwargs, words):
    with pytest.raises(SpecError) as err:
        simulate(DieHard(), **kwargs)
    assert words in str(err.value) and "\n" not in str(err.value)


@attrs.frozen
class JugsWithAProperty(DieHard):
    @always_eventually
    def sometimes_empty(self, s):
        return s.big == 0


def test_the_bfs_after_shrinking_checks_safety_only_on_a_spec_with_properties():
    r = simulate(JugsWithAProperty(), seed=3)
    assert r.status == "violation" and r.simulation.shortest == 7 and len(r.violation.trace) == 7
    assert any("sometimes_empty" in w for w in r.warnings)
