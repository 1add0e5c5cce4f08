"""Partial-order reduction (checker/reduction*.py): fewer states where steps are declared
independent, the same verdicts, the self-check refusing a wrong declaration (one that
would hide a bug), the breadth-first cycle proviso (without it a state is missed), and the
refusals (liveness, workers)."""

from __future__ import annotations

import importlib
from typing import NamedTuple

import attrs
import pytest

import checker.reduction_check as reduction_check
from checker import Spec, SpecError, action, check, eventually, invariant, record
from checker.options import Options
from checker.reduction_search import SYMMETRY_IGNORED, ReducedSearch
from checker.testing import verify_trace
from spec import BUNDLED
from spec.diehard import DieHard
from spec.kafka_controller import KafkaController
from spec.two_phase import TwoPhase
from tests.test_parallel import figures


@record
class XY(NamedTuple):
    x: int
    y: int


@attrs.frozen
class Ignoring(Spec):
    """`toggle` loops forever and is independent of `set_y`: a reduction without the cycle
    proviso keeps choosing `toggle`, closes the cycle and never takes `set_y`."""

    def init(self):
        yield XY(0, 0)

    @action(reads=("x",), writes=("x",))
    def toggle(self, s):
        return s._replace(x=1 - s.x)

    @action(reads=("y",), writes=("y",))
    def set_y(self, s):
        return s._replace(y=1) if s.y == 0 else None

    @invariant(reads=("y",))
    def y_stays_zero(self, s):
        return s.y == 0


def test_the_cycle_proviso_is_what_finds_the_state_behind_an_ignored_step():
    full = check(Ignoring())
    reduced = check(Ignoring(), reduction=True)
    assert (full.status, full.violation.name, len(full.violation.trace)) == ("violation", "y_stays_zero", 2)
    # found, by a longer (real) trace: toggle, then set_y from the fully expanded state that closed the cycle
    assert (reduced.status, reduced.violation.name, [s.action for s in reduced.violation.trace]) == \
        ("violation", "y_stays_zero", ["init", "toggle", "set_y"])
    assert verify_trace(Ignoring(), reduced.violation.trace) is None
    assert (reduced.reduction, reduced.expanded_reduced, reduced.expanded_fully) == (True, 1, 1)
    blind = ReducedSearch(Ignoring(), Options(reduction=True), proviso=False).run()
    assert (blind.status, blind.distinct_states) == ("ok", 2)  # (0,1) and (1,1) never reached


@record
class Flags(NamedTuple):
    x: int
    y: int
    z: int


@attrs.frozen
class WrongFootprint(Spec):
    """`b` reads x in its guard but declares it does not: it looks independent of `a`, which
    disables it. Reduced on that claim, the search takes `a` alone first, `b` is never
    enabled again, and the path b, c to the violation is never explored."""

    def init(self):
        yield Flags(0, 0, 0)

    @action(reads=("x",), writes=("x",))
    def a(self, s):
        return s._replace(x=1) if s.x == 0 else None

    @action(reads=("y",), writes=("y",))  # wrong: the guard reads x too
    def b(self, s):
        return s._replace(y=1) if s.x == 0 and s.y == 0 else None

    @action(reads=("y", "z"), writes=("z",))
    def c(self, s):
        return s._replace(z=1) if s.y == 1 and s.z == 0 else None

    @invariant(reads=("z",))
    def z_stays_zero(self, s):
        return s.z == 0


def test_a_wrong_independence_declaration_is_refused_with_the_instances_and_the_state():
    assert check(WrongFootprint(), deadlock=False).violation.name == "z_stays_zero"
    with pytest.raises(SpecError, match=r"WrongFootprint declares footprints \(reads=/writes=\) that do not hold\. In the "
                                        r"state Flags\(x=0, y=0, z=0\), a and b are declared independent, but after a "
                                        r"\(to Flags\(x=1, y=0, z=0\)\) b is no longer enabled\. .*Fix the reads= / writes="):
        check(WrongFootprint(), deadlock=False, reduction=True)


def test_without_the_self_check_the_wrong_declaration_would_hide_the_bug(monkeypatch):
    monkeypatch.setattr(reduction_check, "SAMPLE_STATES", 0)
    monkeypatch.setattr(reduction_check, "SAMPLE_EVERY", 10**9)
    r = check(WrongFootprint(), deadlock=False, reduction=True)
    assert (r.status, r.distinct_states) == ("ok", 2)  # what the self-check is there to prevent


@attrs.frozen
class Lies(Spec):
    """One lie per `how`: an undeclared write, an undeclared read that breaks commutation,
    an undeclared read that lets one step enable the other."""

    how: str = "write"

    def init(self):
        yield XY(0, 0)

    @action(reads=("x",), writes=("x",))
    def bump(self, s):
        if self.how == "write":
            return s._replace(x=s.x + 1, y=s.y + 1) if s.x < 2 else None
        return s._replace(x=s.x + 1) if s.x < 2 else None

    @action(reads=("y",), writes=("y",))
    def copy(self, s):
        if self.how == "enable":
            return s._replace(y=1) if s.x == 1 and s.y == 0 else None
        return s._replace(y=s.x)


@pytest.mark.parametrize("how, message", [
    ("write", r"In the state XY\(x=0, y=0\), bump changes the field 'y' \(0 to 1\), which its writes= does not name"),
    ("commute", r"In the state XY\(x=0, y=0\), bump and copy are declared independent, but the two orders reach "
                r"different states: XY\(x=1, y=1\) \(bump first\) and XY\(x=1, y=0\)"),
    ("enable", r"In the state XY\(x=0, y=0\), bump and copy are declared independent, but copy is enabled only after "
               r"bump \(in XY\(x=1, y=0\)\)"),
])
def test_each_kind_of_wrong_footprint_is_named(how, message):
    with pytest.raises(SpecError, match=message):
        check(Lies(how=how), deadlock=False, reduction=True)


@record
class Crew(NamedTuple):
    pc: tuple
    done: tuple


@attrs.frozen
class Workers(Spec):
    """Each worker counts to `k` on its own and then reports: the counting steps of
    different workers are independent and invisible (the invariant reads `done` only)."""

    n: int = 3
    k: int = 2
    report_all: bool = True  # False: the invariant breaks once every worker has reported

    def init(self):
        yield Crew((0,) * self.n, (False,) * self.n)

    @action(w=lambda spec, s: range(spec.n), reads=("pc[w]",), writes=("pc[w]",))
    def step(self, s, w):
        return s._replace(pc=s.pc[:w] + (s.pc[w] + 1,) + s.pc[w + 1:]) if s.pc[w] < self.k else None

    @action(w=lambda spec, s: range(spec.n), reads=("pc[w]", "done[w]"), writes=("done[w]",))
    def report(self, s, w):
        return s._replace(done=s.done[:w] + (True,) + s.done[w + 1:]) if s.pc[w] == self.k and not s.done[w] else None

    @invariant(reads=("done",))
    def not_all_done(self, s):
        return self.report_all or not all(s.done)


def test_independent_steps_are_explored_in_one_order():
    full = check(Workers(), deadlock=False)
    reduced = check(Workers(), deadlock=False, reduction=True)
    assert (full.status, full.distinct_states, full.generated_states, full.depth) == ("ok", 64, 145, 10)
    # worker 0 counts alone, then 1, then 2 (6 states, one successor each); then only the three
    # visible reports are enabled, in every order: 8 states, 12 successors
    assert (reduced.status, reduced.distinct_states, reduced.generated_states, reduced.depth) == ("ok", 14, 19, 10)
    assert (reduced.expanded_reduced, reduced.expanded_fully) == (6, 8)
    v_full = check(Workers(report_all=False), deadlock=False).violation
    v_red = check(Workers(report_all=False), deadlock=False, reduction=True).violation
    assert v_full.name == v_red.name == "not_all_done" and len(v_full.trace) == len(v_red.trace) == 10


def test_reduction_keeps_deadlocks():
    r = check(Workers(), reduction=True)
    assert (r.status, r.violation.kind, len(r.violation.trace)) == ("deadlock", "deadlock", 10)


def test_a_spec_that_declares_nothing_is_explored_as_without_reduction():
    for spec, opts in ((DieHard(), {"stop_on_first": False}), (KafkaController(max_expirations=0), {"symmetry": False})):
        plain, reduced = check(spec, **opts), check(spec, reduction=True, **opts)
        assert figures(plain) == figures(reduced)
        assert (reduced.expanded_reduced, reduced.expanded_fully) == (0, plain.distinct_states)


def test_a_declared_symmetry_is_set_aside_with_a_warning():
    r = check(KafkaController(max_expirations=0), reduction=True)
    assert (r.distinct_states, r.symmetry) == (301, 0) and SYMMETRY_IGNORED in r.warnings


def test_two_phase_declares_footprints_and_keeps_its_counts():
    """Every RM step writes rm_state, which TCConsistent reads (visible), and tm_rcv_prepared
    depends on the enabled tm_abort: no state of two-phase commit has a proper ample set."""
    for rms in (3, 5):
        plain, reduced = check(TwoPhase(rms=rms)), check(TwoPhase(rms=rms), reduction=True)
        assert figures(plain) == figures(reduced) and reduced.expanded_reduced == 0


@attrs.frozen
class Live(Spec):
    def init(self):
        yield 0

    @action(fair="weak")
    def tick(self, s):
        return (s + 1) % 3

    @eventually
    def reaches_two(self, s):
        return s == 2


def test_reduction_refuses_liveness_properties_and_workers():
    with pytest.raises(SpecError, match=r"reduction=True cannot check the liveness properties of Live \(reaches_two\): "
                                        r".*liveness=False \(--no-liveness\)"):
        check(Live(), reduction=True)
    assert check(Live(), reduction=True, liveness=False).status == "ok"
    with pytest.raises(SpecError, match=r"reduction=True runs in one process; workers=2 is not supported"):
        check(Workers(), reduction=True, workers=2)


def test_bad_footprints_are_explained():
    with pytest.raises(SpecError, match=r"@action\(reads=\.\.\.\) holds 'pc\[q\]': the index 'q' is not a parameter "
                                        r"\(the action's parameters are w\)"):
        action(w=lambda spec, s: range(2), reads=("pc[q]",))(lambda self, s, w: None)

    @attrs.frozen
    class NoSuchField(Workers):
        @action(reads=("pcs",), writes=())
        def idle(self, s):
            return None

    with pytest.raises(SpecError, match=r"NoSuchField\.idle declares reads='pcs', but the state has no field 'pcs' "
                                        r"\(its fields: pc, done\)"):
        check(NoSuchField(), reduction=True)

    @attrs.frozen
    class Untyped(Spec):
        def init(self):
            yield (0, 0)

        @action(reads=("x",), writes=("x",))
        def a(self, s):
            return None

    with pytest.raises(SpecError, match=r"Untyped declares footprints \(reads=/writes=\) but its states have no named fields"):
        check(Untyped(), reduction=True)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_models_give_the_same_figures_with_reduction(name):
    """Cut at 1,500 states: the bundled models that declare no footprints are explored state
    for state as without reduction, and two-phase's footprints allow no proper ample set
    (bench/reduction.py --models runs every models.toml entry to its verdict both ways)."""
    module, cls = BUNDLED[name].split(":")
    spec = getattr(importlib.import_module(module), cls)()
    plain = check(spec, max_states=1500, symmetry=False, stop_on_first=False)
    reduced = check(spec, max_states=1500, symmetry=False, stop_on_first=False, reduction=True, liveness=False)
    assert figures(plain) == figures(reduced) and reduced.expanded_reduced == 0


@attrs.frozen
class InvariantReadsTooLittle(Workers):
    """The invariant reads pc too, but declares only done: counting then looks invisible."""

    @invariant(reads=("done",))
    def not_all_done(self, s):
        return s.pc[0] < self.k


def test_an_invariant_reading_more_than_it_declares_is_refused():
    with pytest.raises(SpecError, match=r"In the state Crew\(pc=\(1, 0, 0\), done=\(False, False, False\)\), step\(w=0\) "
                                        r"writes no field that invariant not_all_done declares it reads \(done\), yet "
                                        r"invariant not_all_done is True here and False after it"):
        check(InvariantReadsTooLittle(), deadlock=False, reduction=True)
    with pytest.raises(SpecError, match=r"invariant not_all_done declares reads=\('dome',\), but the state has no field 'dome'"):
        check(_typo(), reduction=True)


def _typo():
    @attrs.frozen
    class Typo(Workers):
        @invariant(reads=("dome",))
        def not_all_done(self, s):
            return True
    return Typo()


def test_the_command_line_flag_and_its_report(tmp_path):
    from tests.test_cli import run

    out = tmp_path / "r.json"
    p = run("check", "tests/test_reduction.py:Workers", "--reduction", "--no-deadlock", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "partial-order reduction" in p.stdout and "6 states expanded reduced, 8 fully" in p.stdout
    import json

    data = json.loads(out.read_text())
    assert (data["distinct_states"], data["reduction"]) == (14, {"expanded_fully": 8, "expanded_reduced": 6})
    from reports.json_report import result_dict

    assert result_dict(check(Workers(), deadlock=False))["reduction"] is None
