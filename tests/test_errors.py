"""Every way a spec can be wrong gets a clear message, and never a silent wrong answer."""

import attrs
import pytest

from checker import Spec, SpecError, action, check, invariant
from tests.specs_for_tests import Broken, Grid, Mutable


def test_action_that_raises_gives_trace_label_and_trimmed_traceback():
    r = check(Broken(how="raise"))
    assert (r.status, r.exit_code) == ("error", 2)
    v = r.violation
    assert (v.kind, v.name) == ("error", "step")
    assert v.message == "action step raised KeyError: 'missing'"
    assert [s.state for s in v.trace] == [(0,), (1,), (2,)]
    assert "specs_for_tests.py" in v.traceback and "checker/" not in v.traceback


def test_init_that_raises():
    r = check(Broken(how="init"))
    assert r.status == "error" and r.violation.name == "init"
    assert "RuntimeError: no initial state today" in r.violation.message and r.violation.trace == []


def test_invariant_that_raises_names_the_invariant():
    r = check(Broken(how="inv"))
    assert (r.status, r.violation.name) == ("error", "checked")
    assert "AttributeError" in r.violation.message and len(r.violation.trace) == 3


def test_invariant_returning_none_is_an_error():
    r = check(Broken(how="none"))
    assert r.status == "error" and "returned None" in r.violation.message


def test_parameter_domain_that_raises():
    r = check(Broken(how="domain"))
    assert r.status == "error" and r.violation.name == "other"
    assert "parameter domain of action other raised ZeroDivisionError" in r.violation.message


def test_unhashable_state_names_the_field_and_the_fix():
    r = check(Broken(how="list"))
    assert r.status == "error"
    assert "unhashable tuple ([0] is a list)" in r.violation.message and "use tuples instead of lists" in r.violation.message


def test_action_returning_a_bool_is_explained():
    r = check(Broken(how="bool"))
    assert r.status == "error" and "returned True, not a state" in r.violation.message


def test_action_returning_another_type_is_explained():
    r = check(Broken(how="type"))
    assert r.status == "error" and "returned a str, but states are tuple" in r.violation.message


def test_mutable_state_is_refused():
    r = check(Mutable())
    assert r.status == "error" and "mutable MutableState" in r.violation.message and "@attrs.frozen" in r.violation.message


def test_constant_of_wrong_type():
    with pytest.raises(SpecError, match=r"constants of the wrong type: n='3' \(expected int\)"):
        check(Grid(n="3"))
    with pytest.raises(SpecError, match=r"mode='odd' \(expected 'plain' \| 'fancy'\)"):
        check(Grid(mode="odd"))


def test_unknown_invariant_lists_the_known_ones():
    with pytest.raises(SpecError, match="has no invariant named 'nope'. Its invariants are: not_far, x_small, always"):
        check(Grid(), invariants=["nope"])


def test_bad_limits():
    with pytest.raises(SpecError, match="max_states=0 must be a positive number"):
        check(Grid(), max_states=0)


def test_not_a_spec():
    with pytest.raises(SpecError, match="is not a spec"):
        check(object())

    @attrs.frozen
    class NoInit(Spec):
        @action
        def a(self, s):
            return None

    with pytest.raises(SpecError, match="has no init"):
        check(NoInit())


def test_parameter_mismatch_is_caught_at_declaration():
    @attrs.frozen
    class Mismatch(Spec):
        def init(self):
            yield 0

        @action(i=lambda spec, s: range(2))
        def a(self, s, j):
            return None

    with pytest.raises(SpecError, match=r"takes parameters \['j'\].*declares domains for \['i'\]"):
        check(Mismatch())


def test_identity_compared_states_are_refused():
    class Obj:
        pass

    @attrs.frozen
    class Ident(Spec):
        def init(self):
            yield Obj()

        @invariant
        def t(self, s):
            return True

    r = check(Ident())
    assert r.status == "error" and "compares by identity" in r.violation.message
