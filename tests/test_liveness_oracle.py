"""The test oracle is itself checked: its verdicts on the small specs are TLC's, and its lasso
checker rejects each way a counterexample can be wrong. (It was also run against TLC on the
200 random cases of test_liveness_random.py: tests/tlc_liveness/random_vs_tlc.py.)"""

from __future__ import annotations

import pytest

from checker import Step, Violation
from liveness_oracle import lasso_problem, oracle_verdicts
from specs_for_liveness import (
    Countdown, CountdownVacuous, Flag, FlickerStrong, FlickerWeak, Fork, Idle, IdleFair, Requests, ServeEach,
    ServeWhole, SharedStep, SpinInPlace, X,
)

# TLC's verdicts on tests/tlc_liveness/*.tla (RESULTS.md): True = "No error has been found".
TLC = [
    (FlickerWeak(), {"finishes": False}),
    (FlickerStrong(), {"finishes": True}),
    (ServeWhole(), {"served(c=1)": False, "served(c=2)": False}),
    (ServeEach(), {"served(c=1)": True, "served(c=2)": True}),
    (Idle(), {"started": False, "zero_is_zero": True}),
    (IdleFair(), {"started": True, "zero_is_zero": True}),
    (SpinInPlace(), {"gone": False}),
    (Fork(), {"reaches_two": False}),
    (Countdown(), dict.fromkeys(["reaches_zero", "zero_often", "zero_forever", "top_leads_to_zero"], True)),
    (Countdown(bounce=True), dict.fromkeys(["reaches_zero", "zero_often", "zero_forever", "top_leads_to_zero"], False)),
    (CountdownVacuous(), {"reaches_zero": True, "zero_often": True, "zero_forever": True, "top_leads_to_zero": True,
                          "negative_leads_to_zero": True, "bounded": True}),
    (SharedStep(), {"reaches_two": False}),
]


@pytest.mark.parametrize("spec, verdicts", TLC, ids=lambda x: repr(x) if not isinstance(x, dict) else "")
def test_the_oracle_gives_tlcs_verdicts(spec, verdicts):
    assert oracle_verdicts(spec) == verdicts


def steps(first, *rest):
    """[Step] from an initial state and (action, state) pairs (actions without arguments)."""
    return [Step("init", first)] + [Step(a, s, a) for a, s in rest]


def test_a_real_fair_lasso_passes():
    v = Violation("liveness", "finishes", "", steps(Flag(0, False), ("toggle", Flag(1, False))), loop=0,
                  loop_step=Step("toggle", Flag(0, False), "toggle"))
    assert lasso_problem(FlickerWeak(), v) is None


def test_an_unfair_lasso_is_rejected():
    # Under SF(finish) the same cycle starves `finish`, enabled at every other state.
    v = Violation("liveness", "finishes", "", steps(Flag(0, False), ("toggle", Flag(1, False))), loop=0,
                  loop_step=Step("toggle", Flag(0, False), "toggle"))
    assert "not fair" in lasso_problem(FlickerStrong(), v)


def test_stuttering_where_a_weakly_fair_action_is_enabled_is_rejected():
    v = Violation("liveness", "finishes", "", steps(Flag(0, False)), loop=0)
    assert "not fair" in lasso_problem(FlickerWeak(), v)


def test_a_loop_step_that_does_not_close_the_loop_is_rejected():
    v = Violation("liveness", "finishes", "", steps(Flag(0, False), ("toggle", Flag(1, False))), loop=0,
                  loop_step=Step("finish", Flag(0, False), "finish"))
    assert "does not take the last state" in lasso_problem(FlickerWeak(), v)


def test_a_step_that_is_not_enabled_is_rejected():
    trace = [Step("init", Requests((False, False))), Step("serve(c=1)", Requests((False, False)), "serve", {"c": 1})]
    assert "not enabled" in lasso_problem(ServeWhole(), Violation("liveness", "served", "", trace, loop=1))


def test_a_lasso_that_satisfies_the_property_is_rejected():
    # 3 -> 2 -> 1 -> 0 then 0 stutters: fair, but it reaches zero.
    v = Violation("liveness", "reaches_zero", "", steps(X(3), ("dec", X(2)), ("dec", X(1)), ("dec", X(0))), loop=3)
    assert "does not violate" in lasso_problem(Countdown(bounce=True), v)


def test_a_stutter_dressed_as_a_step_is_rejected():
    v = Violation("liveness", "gone", "", steps(X(0), ("spin", X(0))), loop=1)
    assert "does not change the state" in lasso_problem(SpinInPlace(), v)


def test_a_fair_instance_starved_on_the_cycle_is_rejected():
    # Client 1 waits throughout while client 2 is served: fair for WF(serve) as a whole, not per client.
    trace = steps(Requests((False, False)), ("request", Requests((True, False))), ("request", Requests((True, True))))
    trace = [trace[0], Step("request(c=1)", trace[1].state, "request", {"c": 1}),
             Step("request(c=2)", trace[2].state, "request", {"c": 2})]
    back = Step("serve(c=2)", Requests((True, False)), "serve", {"c": 2})
    assert lasso_problem(ServeWhole(), Violation("liveness", "served", "", trace, loop=1, loop_step=back)) is None
    assert "not fair" in lasso_problem(ServeEach(), Violation("liveness", "served", "", trace, loop=1, loop_step=back))
