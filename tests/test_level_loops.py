"""The plain level loop (level.py) and the one generated per spec (codegen.py) give the
same result — counts, depth, verdict, coverage, reason and the same trace — on every kind
of run: complete, stopped by a violation, an error, a deadlock or a limit inside a level,
with constraints, terminal states, views, symmetry, exact fingerprints, and with the
thresholds shrunk so that chunks, merges and sorted lookups happen in small runs too."""

from __future__ import annotations

import importlib

import attrs
import pytest

import checker.search as search
import checker.store as store
from checker import Spec, action, check
from spec import BUNDLED
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Broken, Counter, Grid, Lonely, StopAfter, Words
from tests.test_parallel import TLC_PORTS, figures
from tlc.alternating_bit import AlternatingBit


def same_in_both_loops(monkeypatch, spec, **options):
    monkeypatch.setenv("PROTOCHECK_LOOP", "generated")
    generated = check(spec, **options)
    monkeypatch.setenv("PROTOCHECK_LOOP", "plain")
    plain = check(spec, **options)
    assert figures(plain) == figures(generated)
    assert (plain.queue, plain.exact_fingerprints, plain.warnings) == (generated.queue, generated.exact_fingerprints, generated.warnings)
    return plain


def test_the_plain_loop_runs_when_asked(monkeypatch):
    """Not two runs of one loop: with PROTOCHECK_LOOP=plain, level.py expands the levels."""
    import checker.level as level

    calls = []
    original = level.expand_level
    monkeypatch.setattr(search, "expand_level", lambda *a: (calls.append(1), original(*a))[1])
    r = same_in_both_loops(monkeypatch, TwoPhase(rms=3))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 288, 1146, 11)
    assert len(calls) == 11  # once a level, in the plain run only


def test_an_unknown_loop_is_refused(monkeypatch):
    monkeypatch.setenv("PROTOCHECK_LOOP", "fast")
    with pytest.raises(Exception, match=r"loop='fast' \(or PROTOCHECK_LOOP\) must be one of generated, plain"):
        check(TwoPhase(rms=2))


@pytest.mark.parametrize("name", list(TLC_PORTS))
def test_tlc_ports(monkeypatch, name):
    spec, options = TLC_PORTS[name]
    same_in_both_loops(monkeypatch, spec, **options)


def _bundled(name):
    module, cls = BUNDLED[name].split(":")
    return getattr(importlib.import_module(module), cls)()


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_models_cut_inside_a_level(monkeypatch, name):
    same_in_both_loops(monkeypatch, _bundled(name), max_states=1500)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_models_to_a_depth_without_symmetry(monkeypatch, name):
    same_in_both_loops(monkeypatch, _bundled(name), max_depth=6, stop_on_first=False, symmetry=False)


@pytest.mark.parametrize("how", ["raise", "inv", "none", "domain", "list", "bool", "type", "init"])
def test_errors_in_spec_code(monkeypatch, how):
    assert same_in_both_loops(monkeypatch, Broken(how=how)).status == "error"


@pytest.mark.parametrize("spec", [Grid(), Grid(allow_corner=False), Lonely(), Counter(), Words()], ids=repr)
@pytest.mark.parametrize("options", [{}, {"stop_on_first": False}, {"deadlock": False, "stop_on_first": False}], ids=str)
def test_small_specs_every_option(monkeypatch, spec, options):
    same_in_both_loops(monkeypatch, spec, **options)


@pytest.mark.parametrize("limit", [dict(max_states=1), dict(max_states=7), dict(max_states=100), dict(max_depth=1), dict(max_depth=5)], ids=str)
def test_limits(monkeypatch, limit):
    assert same_in_both_loops(monkeypatch, AlternatingBit(), **limit).status == "incomplete"


def test_interrupt_in_spec_code(monkeypatch):
    r = same_in_both_loops(monkeypatch, StopAfter(at=50))
    assert (r.status, r.distinct_states) == ("interrupted", 51)


@attrs.frozen
class CtrlCAfterAStep(Spec):
    """Ctrl-C (as a KeyboardInterrupt raised by the spec's code) after `step` has fired in
    the same chunk: the successors counted so far in the chunk belong to the figures."""

    at: int = 20

    def init(self):
        yield 0

    @action
    def step(self, s):
        return s + 1

    @action
    def ctrl_c(self, s):
        if s == self.at:
            raise KeyboardInterrupt
        return None


def test_ctrl_c_inside_a_chunk_counts_what_fired_before_it(monkeypatch):
    r = same_in_both_loops(monkeypatch, CtrlCAfterAStep())
    assert (r.status, r.distinct_states, r.generated_states, r.coverage["step"].fired) == ("interrupted", 21, 22, 21)


@pytest.mark.parametrize("options", [{}, {"max_states": 2000}, {"max_depth": 7}], ids=str)
def test_small_thresholds(monkeypatch, options):
    monkeypatch.setattr(search, "PROGRESS_EVERY", 7)
    monkeypatch.setattr(store, "MIN_MERGE", 64)
    monkeypatch.setattr(store, "MAX_RUN", 512)
    monkeypatch.setattr(store, "SORT_QUERIES", 4)
    same_in_both_loops(monkeypatch, TwoPhase(rms=5), **options)
    same_in_both_loops(monkeypatch, DieHard(), stop_on_first=False, **options)


def test_values_that_hash_alike_rerun_exactly_in_both(monkeypatch):
    from tests.test_fingerprints import Countdown, Pair

    r = same_in_both_loops(monkeypatch, Pair(first=-1, second=-2), deadlock=False)
    assert (r.status, r.distinct_states, r.exact_fingerprints) == ("violation", 3, True)
    r = same_in_both_loops(monkeypatch, Countdown(), deadlock=False)
    assert (r.status, r.distinct_states, len(r.violation.trace)) == ("violation", 603, 302)


@attrs.frozen
class Settles(Spec):
    """A counter that climbs to `top` and then stays: `stay` is enabled everywhere and changes
    nothing, so every state has a stuttering successor, and `top` has no other."""

    top: int = 40
    same_object: bool = True  # stay returns s itself (the engine skips it unhashed) or an equal copy

    def init(self):
        yield (0, "x")

    @action
    def climb(self, s):
        return (s[0] + 1, s[1]) if s[0] < self.top else None

    @action(k=lambda spec, s: range(2))
    def stay(self, s, k):
        return s if self.same_object else (s[0], s[1])


@pytest.mark.parametrize("options", [{}, {"max_states": 10}, {"symmetry": False, "max_depth": 5}], ids=str)
def test_an_action_returning_its_state_counts_as_an_equal_copy(monkeypatch, options):
    """"No change" as `s` itself: TLC's counts (the stuttering step is generated), coverage,
    and no deadlock at the top (its only successor is itself), in both loops and in workers."""
    same, copy = (same_in_both_loops(monkeypatch, Settles(same_object=b), **options) for b in (True, False))
    assert figures(same) == figures(copy)
    if not options:
        assert (same.status, same.distinct_states, same.generated_states, same.depth) == ("ok", 41, 1 + 40 + 82, 41)
        assert (same.coverage["stay"].fired, same.coverage["stay"].new_states) == (82, 0)
        assert figures(check(Settles(), workers=2)) == figures(same)
