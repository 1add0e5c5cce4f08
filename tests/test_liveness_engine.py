"""The liveness engine on hand-sized specs: verdicts under WF/SF, per-action vs per-instance
fairness, the lasso's shape (loop index, closing step), both level loops alike, what is
refused, and what a cut-short search says."""

from __future__ import annotations

import attrs
import pytest

from checker import (Spec, SpecError, action, always_eventually, check, eventually, eventually_always, invariant,
                     leads_to, verify_trace)
from checker.search import Search
from checker.options import Options


@attrs.frozen
class Counter(Spec):
    """x counts up to n and resets; a flag is set once. No fairness: anything may stop."""

    n: int = 3

    def init(self):
        yield (0, False)

    @action
    def inc(self, s):
        return (s[0] + 1, s[1]) if s[0] < self.n else None

    @action
    def reset(self, s):
        return (0, s[1]) if s[0] == self.n else None

    @action
    def flag(self, s):
        return (s[0], True) if not s[1] else None

    @eventually
    def reaches_top(self, s):
        return s[0] == self.n

    @always_eventually
    def zero_often(self, s):
        return s[0] == 0

    @eventually_always
    def flagged(self, s):
        return s[1]

    @leads_to(lambda spec, s: s[0] == 1)
    def two_follows_one(self, s):
        return s[0] == 2


@attrs.frozen
class FairCounter(Counter):
    @action(fair="weak")
    def inc(self, s):
        return Counter.inc(self, s)

    @action(fair="weak")
    def reset(self, s):
        return Counter.reset(self, s)

    @action(fair="weak")
    def flag(self, s):
        return Counter.flag(self, s)


def lasso_ok(spec, v) -> None:
    """The counterexample is a real behaviour and its loop closes."""
    assert verify_trace(spec, v.trace) is None
    assert 0 <= v.loop < len(v.trace)
    if v.loop_step is None:
        assert v.loop == len(v.trace) - 1
    else:
        back = getattr(spec, v.loop_step.name)(v.trace[-1].state, **v.loop_step.args)
        assert back == v.trace[v.loop].state == v.loop_step.state


@pytest.mark.parametrize("prop,trace,loop", [
    ("reaches_top", [(0, False)], 0),
    ("zero_often", [(0, False), (1, False)], 1),
    ("flagged", [(0, False)], 0),
    ("two_follows_one", [(0, False), (1, False)], 1),
])
def test_without_fairness_stopping_is_the_counterexample(prop, trace, loop):
    r = check(Counter(), properties=[prop], deadlock=False)
    assert (r.status, r.distinct_states, r.transitions, r.properties) == ("violation", 8, 12, [prop])
    v = r.violation
    assert (v.kind, v.name, [s.state for s in v.trace], v.loop, v.loop_step) == ("liveness", prop, trace, loop, None)
    assert "stutter forever" in v.message
    assert r.exit_code == 1
    lasso_ok(Counter(), v)


def test_weak_fairness_makes_all_four_hold():
    r = check(FairCounter(), deadlock=False)
    assert (r.status, r.properties, r.transitions, r.violations) == (
        "ok", ["reaches_top", "zero_often", "flagged", "two_follows_one"], 12, [])


@attrs.frozen
class Blink(Spec):
    """A light toggles for ever (fairly); `hit` is possible only while it is on."""

    def init(self):
        yield (0, False)

    @action(fair="weak")
    def toggle(self, s):
        return (1 - s[0], s[1]) if not s[1] else None

    @action
    def hit(self, s):
        return (s[0], True) if s[0] == 1 and not s[1] else None

    @eventually
    def done(self, s):
        return s[1]


@attrs.frozen
class BlinkWeak(Blink):
    @action(fair="weak")
    def hit(self, s):
        return Blink.hit(self, s)


@attrs.frozen
class BlinkStrong(Blink):
    @action(fair="strong")
    def hit(self, s):
        return Blink.hit(self, s)


@pytest.mark.parametrize("cls,status", [(Blink, "violation"), (BlinkWeak, "violation"), (BlinkStrong, "ok")])
def test_weak_fairness_is_not_enough_for_an_action_enabled_on_and_off(cls, status):
    r = check(cls(), deadlock=False)
    assert r.status == status
    if status == "violation":
        v = r.violation
        # the light toggles on and off for ever: init, toggle, then toggle back to the start
        assert [s.action for s in v.trace] == ["init", "toggle"] and v.loop == 0
        assert v.loop_step.action == "toggle" and v.loop_step.state == (0, False)
        lasso_ok(cls(), v)


@attrs.frozen
class Serve(Spec):
    """serve(0) is enabled until client 0 is served; serve(1) is always enabled."""

    each: bool = False

    def init(self):
        yield (False, 0)

    @action(c=lambda spec, s: range(2), fair="weak")
    def serve(self, s, c):
        if c == 0:
            return (True, s[1]) if not s[0] else None
        return (s[0], 1 - s[1])

    @eventually
    def zero_served(self, s):
        return s[0]


@attrs.frozen
class ServeEach(Serve):
    @action(c=lambda spec, s: range(2), fair="weak", each=True)
    def serve(self, s, c):
        return Serve.serve(self, s, c)


def test_fairness_of_the_action_as_a_whole_lets_one_instance_starve():
    r = check(Serve(), deadlock=False)
    assert r.status == "violation"
    v = r.violation
    assert [s.action for s in v.trace] == ["init", "serve(c=1)"] and v.loop_step.action == "serve(c=1)"
    lasso_ok(Serve(), v)
    assert check(ServeEach(), deadlock=False).status == "ok"


@pytest.mark.parametrize("loop", ["generated", "plain"])
def test_both_level_loops_record_the_same_graph(loop):
    for cls in (Counter, Blink, Serve):
        r = Search(cls(), Options(deadlock=False), loop=loop).run()
        ref = check(cls(), deadlock=False)
        assert (r.status, r.transitions, [(v.name, [s.state for s in v.trace], v.loop) for v in r.violations]) == (
            ref.status, ref.transitions, [(v.name, [s.state for s in v.trace], v.loop) for v in ref.violations])


@attrs.frozen
class Clients(Spec):
    """Each client's request is eventually granted by a fair server; client 2 never asks."""

    def init(self):
        yield (frozenset(), frozenset())

    @action(c=lambda spec, s: range(2))
    def ask(self, s, c):
        return (s[0] | {c}, s[1]) if c not in s[0] else None

    @action(c=lambda spec, s: sorted(s[0] - s[1]), fair="weak", each=True)
    def grant(self, s, c):
        return (s[0], s[1] | {c})

    @leads_to(lambda spec, s, c: c in s[0], c=lambda spec: range(3))
    def granted(self, s, c):
        return c in s[1]


def test_parameterised_property_instances_and_vacuity():
    r = check(Clients(), deadlock=False)
    assert (r.status, r.properties) == ("ok", ["granted(c=0)", "granted(c=1)", "granted(c=2)"])
    assert r.vacuous == []  # one instance's trigger never holds, the others' do

    @attrs.frozen
    class NeverAsked(Clients):
        @leads_to(lambda spec, s: len(s[0]) > 5)
        def too_many(self, s):
            return False

    r = check(NeverAsked(), deadlock=False, properties=["too_many"])
    assert r.status == "ok" and r.vacuous == ["too_many"]
    assert any("too_many is vacuous: its trigger holds in no reachable state" in w for w in r.warnings)


def test_a_search_cut_short_checks_no_property():
    r = check(FairCounter(), deadlock=False, max_states=3)
    assert r.status == "incomplete"
    assert any("not checked" in w for w in r.warnings)


def test_an_invariant_violation_stops_before_liveness_unless_continuing():
    @attrs.frozen
    class Both(Counter):
        @invariant
        def small(self, s):
            return s[0] < 2

    r = check(Both(), deadlock=False, properties=["reaches_top"])
    assert (r.status, [v.kind for v in r.violations]) == ("violation", ["invariant"])
    r = check(Both(), deadlock=False, properties=["reaches_top"], stop_on_first=False)
    assert [v.kind for v in r.violations] == ["invariant", "liveness"]


def test_liveness_off_and_unknown_names():
    assert check(Counter(), deadlock=False, liveness=False).status == "ok"
    assert check(Counter(), deadlock=False, properties=[]).properties == []
    with pytest.raises(SpecError, match=r"Counter has no property named 'nope'\. Its properties are: reaches_top, "
                                        r"zero_often, flagged, two_follows_one\."):
        check(Counter(), properties=["nope"])


def test_a_predicate_that_raises_is_an_error_with_its_trace():
    @attrs.frozen
    class Raises(Counter):
        @eventually
        def broken(self, s):
            return 1 / (2 - s[0]) > 0

    r = check(Raises(), deadlock=False, properties=["broken"])
    assert r.status == "error"
    v = r.violation
    assert v.name == "broken" and "property broken raised ZeroDivisionError" in v.message
    assert v.trace[-1].state == (2, False)


def test_unsound_combinations_are_refused():
    @attrs.frozen
    class Viewed(FairCounter):
        def view(self, s):
            return s[0]

    with pytest.raises(SpecError, match=r"defines view\(\), and liveness \(reaches_top, .*\) is not checked through "
                                        r"a view"):
        check(Viewed())
    assert check(Viewed(), liveness=False, deadlock=False).ok

    from checker import constraint

    @attrs.frozen
    class Constrained(FairCounter):
        @constraint
        def small(self, s):
            return s[0] < 2

    with pytest.raises(SpecError, match=r"has a @constraint, and liveness .* false counterexample"):
        check(Constrained())
    with pytest.raises(SpecError, match=r"Liveness \(.*\) is checked in one process.*--no-liveness"):
        check(FairCounter(), workers=2)


def test_symmetry_is_refused_and_can_be_switched_off():
    from checker.symmetry import permutations_of

    @attrs.frozen
    class Pair(Spec):
        def init(self):
            yield (0, 0)

        @action(i=lambda spec, s: range(2), fair="weak", each=True)
        def bump(self, s, i):
            return tuple(min(v + 1, 2) if k == i else v for k, v in enumerate(s)) if s[i] < 2 else None

        def symmetry(self):
            return permutations_of(2)

        def permute(self, s, p):
            return tuple(s[p.index(k)] for k in range(2))

        @eventually
        def both_top(self, s):
            return s == (2, 2)

    with pytest.raises(SpecError, match=r"declares a symmetry, and liveness \(both_top\) is not checked under a "
                                        r"symmetry.*symmetry=False \(--no-symmetry\)"):
        check(Pair(), deadlock=False)
    r = check(Pair(), deadlock=False, symmetry=False)
    assert (r.status, r.distinct_states, r.transitions) == ("ok", 9, 12)


def test_progress_names_each_property_while_the_cycles_are_checked():
    seen = []
    r = check(Clients(), deadlock=False, progress=seen.append, progress_interval=1000)
    live = [p for p in seen if p.get("liveness")]
    assert [p["liveness"] for p in live] == r.properties
    assert all(p["transitions"] == r.transitions for p in live)
    from reports.progress import _line

    assert _line(live[0]).startswith(f"distinct {r.distinct_states:,}  transitions {r.transitions:,}  checking granted(c=0)")


def test_a_property_whose_parameters_take_no_value_is_named_in_a_warning():
    @attrs.frozen
    class NoClients(Clients):
        @leads_to(lambda spec, s, c: c in s[0], c=lambda spec: [])
        def nobody(self, s, c):
            return False

    r = check(NoClients(), deadlock=False, properties=["nobody"])
    assert (r.status, r.properties) == ("ok", [])
    assert any(w.startswith("property nobody has no instance: its parameters (c) take no value") for w in r.warnings)
