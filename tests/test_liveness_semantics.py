"""Liveness semantics on small specs (tests/specs_for_liveness.py), one point each.

Every verdict here is TLC's on the equivalent module in tests/tlc_liveness/ (run with
tests/tlc_liveness/run_tlc.py; its output for each case is quoted in a comment) and the
brute-force oracle's (liveness_oracle.py). Every counterexample is replayed: each step an
enabled action that changes the state, `loop_step` closing the loop, the lasso fair and
violating the property (lasso_problem).
"""

from __future__ import annotations

import pytest

from checker import Spec, SpecError, check, constraint
from liveness_oracle import Graph, lasso_problem, liveness_violation, oracle_vacuous, oracle_verdicts, property_instances, xs
from specs_for_liveness import (
    Countdown, CountdownVacuous, Flag, FlickerStrong, FlickerWeak, Fork, Idle, IdleFair, Requests, ServeEach,
    ServeWhole, SharedStep, SpinInPlace, X,
)

import attrs


# --- weak vs strong fairness ---------------------------------------------------------------

def test_weak_fairness_lets_an_intermittently_enabled_action_starve():
    # TLC (Flicker.tla, WeakSpec): Finishes VIOLATED, 3 distinct, counterexample 2 states, back to state 1.
    v = liveness_violation(FlickerWeak(), "finishes")
    assert [s.state for s in v.trace] == [Flag(0, False), Flag(1, False)]
    assert v.loop == 0 and v.loop_step.action == "toggle" and v.loop_step.state == Flag(0, False)


def test_strong_fairness_takes_an_action_enabled_infinitely_often():
    # TLC (Flicker.tla, StrongSpec): Finishes ok, 3 distinct / 4 generated / depth 3.
    r = check(FlickerStrong(), deadlock=False)
    assert (r.status, r.distinct_states, r.properties) == ("ok", 3, ["finishes"])


# --- fairness of the action as a whole vs of each instance ---------------------------------

def test_fairness_of_the_whole_action_lets_one_client_starve():
    # TLC (Serve.tla, WholeSpec): Served1 and Served2 each VIOLATED, 4 distinct, counterexample
    # 3 states, back to state 2.
    r = check(ServeWhole(), deadlock=False)
    assert r.status == "violation" and r.properties == ["served(c=1)", "served(c=2)"]
    v = liveness_violation(ServeWhole(), "served")
    cycle = [s.state for s in v.trace[v.loop:]]
    starved = [c for c in (1, 2) if all(st.pending[c - 1] for st in cycle)]
    assert starved, "some client waits through the whole cycle"
    assert len(v.trace) == 3 and v.loop == 1 and v.loop_step.name == "serve"
    assert v.loop_step.args == {"c": 3 - starved[0]}  # the cycle serves only the other client


def test_fairness_of_each_instance_serves_every_client():
    # TLC (Serve.tla, EachSpec): Served1 ok, Served2 ok, 4 distinct / 9 generated / depth 3.
    r = check(ServeEach(), deadlock=False)
    assert (r.status, r.distinct_states, r.properties) == ("ok", 4, ["served(c=1)", "served(c=2)"])


# --- stuttering ----------------------------------------------------------------------------

def test_without_fairness_the_initial_state_may_stutter_forever():
    # TLC (Idle.tla, Spec): Started VIOLATED, counterexample 1 state, stuttering.
    v = liveness_violation(Idle(), "started")
    assert xs(v) == [0] and v.loop == 0 and v.loop_step is None


def test_a_leads_to_matched_in_the_same_state_holds_while_stuttering():
    # TLC (Idle.tla, Spec): ZeroIsZero ok, 2 distinct.
    r = check(Idle(), properties=["zero_is_zero"], deadlock=False)
    assert (r.status, r.properties) == ("ok", ["zero_is_zero"])


def test_weak_fairness_forbids_stuttering_where_the_action_is_enabled():
    # TLC (Idle.tla, FairSpec): Started ok, 2 distinct / 2 generated / depth 2.
    r = check(IdleFair(), deadlock=False)
    assert (r.status, r.distinct_states) == ("ok", 2)


def test_an_action_that_yields_its_own_state_is_not_enabled():
    # TLC (SpinInPlace.tla): Gone VIOLATED, counterexample 1 state, stuttering (WF_x(x' = x) is vacuous).
    v = liveness_violation(SpinInPlace(), "gone")
    assert xs(v) == [0] and v.loop_step is None


def test_a_deadlocked_state_stutters_forever_when_deadlock_is_not_checked():
    # TLC (Fork.tla, CHECK_DEADLOCK FALSE): ReachesTwo VIOLATED, counterexample 2 states, stuttering.
    v = liveness_violation(Fork(), "reaches_two")
    assert xs(v) == [0, 1] and v.trace[1].action == "left"
    assert v.loop == 1 and v.loop_step is None


# --- the four forms, passing and failing ---------------------------------------------------

FORMS = ["reaches_zero", "zero_often", "zero_forever", "top_leads_to_zero"]


def test_each_form_holds_when_the_countdown_always_ends():
    # TLC (Countdown.tla, Bounce = FALSE): ReachesZero, ZeroOften, ZeroForever, TopLeadsToZero
    # each ok, 4 distinct / 4 generated / depth 4.
    r = check(Countdown(), deadlock=False)
    assert (r.status, r.distinct_states, r.depth) == ("ok", 4, 4)
    assert r.properties == FORMS and r.vacuous == []


@pytest.mark.parametrize("prop", FORMS)
def test_each_form_fails_when_the_countdown_can_rebound_forever(prop):
    # TLC (Countdown.tla, Bounce = TRUE): each VIOLATED, 4 distinct / 5 generated, counterexample
    # 3 states, back to state 1 (3 -> 2 -> 1 -> 3).
    v = liveness_violation(Countdown(bounce=True), prop)
    assert xs(v) == [3, 2, 1] and v.loop == 0
    assert v.loop_step.action == "rebound" and v.loop_step.state == X(3)


# --- vacuity -------------------------------------------------------------------------------

def test_a_trigger_never_met_and_a_p_always_true_are_reported_vacuous():
    # TLC (Countdown.tla): NegativeLeadsToZero ok, Bounded ok (TLC does not report vacuity).
    r = check(CountdownVacuous(), deadlock=False)
    assert r.status == "ok"
    assert sorted(r.vacuous) == ["bounded", "negative_leads_to_zero"] == sorted(oracle_vacuous(CountdownVacuous()))
    assert any("bounded" in w for w in r.warnings) and any("negative_leads_to_zero" in w for w in r.warnings)


# --- one step, several actions -------------------------------------------------------------

def test_a_step_takes_every_action_that_makes_it():
    # TLC (SharedStep.tla): ReachesTwo VIOLATED, 3 distinct, counterexample 2 states, back to state 1.
    v = liveness_violation(SharedStep(), "reaches_two")
    assert xs(v) == [0, 1] and v.loop == 0 and v.loop_step.action == "b"


# --- every small spec: the engine agrees with the oracle, instance by instance --------------

SMALL = [FlickerWeak(), FlickerStrong(), ServeWhole(), ServeEach(), Idle(), IdleFair(), SpinInPlace(), Fork(),
         Countdown(), Countdown(bounce=True), CountdownVacuous(), SharedStep()]


@pytest.mark.parametrize("spec", SMALL, ids=lambda s: repr(s))
def test_verdicts_agree_with_the_brute_force_oracle(spec):
    expected = oracle_verdicts(spec)
    for name in {label.split("(")[0] for label in property_instances(spec)}:
        holds = all(ok for label, ok in expected.items() if label.split("(")[0] == name)
        r = check(spec, properties=[name], deadlock=False)
        assert r.status == ("ok" if holds else "violation"), name
        if not holds:
            assert lasso_problem(spec, r.violation) is None


# TLC's distinct / generated / depth on the same modules (RESULTS.md): the graph the
# properties are checked on is TLC's, stutters (SpinInPlace) and shared steps included.
# Its transitions are one per action instance that changes the state (SharedStep: 0 -> 1
# twice, by a and by c), as the oracle counts them.
TLC_COUNTS = [(FlickerWeak(), (3, 4, 3)), (FlickerStrong(), (3, 4, 3)), (ServeWhole(), (4, 9, 3)),
              (ServeEach(), (4, 9, 3)), (Idle(), (2, 2, 2)), (IdleFair(), (2, 2, 2)), (SpinInPlace(), (2, 4, 2)),
              (Fork(), (3, 3, 2)), (Countdown(), (4, 4, 4)), (Countdown(bounce=True), (4, 5, 4)),
              (CountdownVacuous(), (4, 4, 4)), (SharedStep(), (3, 5, 3))]


@pytest.mark.parametrize("spec, counts", TLC_COUNTS, ids=lambda x: repr(x) if isinstance(x, Spec) else "")
def test_counts_match_tlc(spec, counts):
    r = check(spec, deadlock=False)
    assert (r.distinct_states, r.generated_states, r.depth) == counts
    assert r.transitions == sum(len(moves) for moves in Graph(spec).enabled)


# --- determinism, options, limits ----------------------------------------------------------

def test_the_same_check_gives_the_same_lasso():
    a, b = (check(ServeWhole(), deadlock=False).violation for _ in range(2))
    assert [s.state for s in a.trace] == [s.state for s in b.trace] and a.loop == b.loop
    assert a.loop_step == b.loop_step


def test_properties_selects_and_liveness_false_checks_none():
    r = check(Countdown(bounce=True), properties=["reaches_zero"], deadlock=False)
    assert r.properties == ["reaches_zero"] and r.violation.name == "reaches_zero"
    r = check(Countdown(bounce=True), liveness=False, deadlock=False)
    assert (r.status, r.properties) == ("ok", [])


def test_a_search_cut_short_gives_no_liveness_verdict():
    r = check(Countdown(bounce=True), max_states=2, deadlock=False)
    assert (r.status, r.reason, r.violation) == ("incomplete", "reached max_states=2", None)


def test_every_violated_property_is_reported_when_not_stopping_at_the_first():
    r = check(Countdown(bounce=True), deadlock=False, stop_on_first=False)
    assert [v.name for v in r.violations] == FORMS
    assert all(lasso_problem(Countdown(bounce=True), v) is None for v in r.violations)


# --- refused combinations ------------------------------------------------------------------

@attrs.frozen
class ServeSymmetric(ServeEach):
    def symmetry(self):
        return ((1, 0),)

    def permute(self, s, p):
        return Requests(tuple(s.pending[p.index(i)] for i in range(2)))


@attrs.frozen
class CountdownView(Countdown):
    def view(self, s):
        return s.x


@attrs.frozen
class CountdownConstrained(Countdown):
    @constraint
    def small(self, s):
        return s.x <= 3


def test_liveness_under_symmetry_is_refused_unless_symmetry_is_off():
    with pytest.raises(SpecError) as e:
        check(ServeSymmetric(), deadlock=False)
    assert str(e.value).startswith("ServeSymmetric declares a symmetry, and liveness (served) is not checked under a "
                                   "symmetry: merging the states of one orbit changes which cycles")
    assert "symmetry=False (--no-symmetry)" in str(e.value) and "liveness=False (--no-liveness)" in str(e.value)
    assert check(ServeSymmetric(), deadlock=False, symmetry=False).status == "ok"
    assert check(ServeSymmetric(), deadlock=False, liveness=False).symmetry == 2


@attrs.frozen
class CountdownViewDropped(CountdownView):
    view = None  # what the refusal advises


def test_liveness_with_a_view_is_refused():
    with pytest.raises(SpecError) as e:
        check(CountdownView(), deadlock=False)
    assert str(e.value).startswith("CountdownView defines view(), and liveness (reaches_zero, zero_often, "
                                   "zero_forever, top_leads_to_zero) is not checked through a view")
    assert "`view = None` in the subclass" in str(e.value)
    assert check(CountdownViewDropped(), deadlock=False).status == "ok"


def test_liveness_with_a_constraint_is_refused():
    with pytest.raises(SpecError) as e:
        check(CountdownConstrained(), deadlock=False)
    assert str(e.value).startswith("CountdownConstrained has a @constraint, and liveness (reaches_zero, zero_often, "
                                   "zero_forever, top_leads_to_zero) is not checked under one: a behaviour cut off")
    assert "Bound the model by its constants instead" in str(e.value)


def test_liveness_with_several_workers_is_refused():
    with pytest.raises(SpecError) as e:
        check(Countdown(), deadlock=False, workers=2)
    assert str(e.value).startswith("Liveness (reaches_zero, zero_often, zero_forever, top_leads_to_zero) is checked "
                                   "in one process")
    assert "liveness=False (--no-liveness)" in str(e.value)


def test_an_unknown_property_name_is_refused():
    with pytest.raises(SpecError) as e:
        check(Countdown(), properties=["nope"], deadlock=False)
    assert str(e.value) == ("Countdown has no property named 'nope'. Its properties are: reaches_zero, zero_often, "
                            "zero_forever, top_leads_to_zero. Pass one of those names (or none, to check them all).")


def test_each_refusal_leaves_safety_checking_alone():
    for spec in (CountdownView(), CountdownConstrained()):
        assert check(spec, liveness=False, deadlock=False).status == "ok"
    assert check(Countdown(), liveness=False, deadlock=False, workers=2).status == "ok"
