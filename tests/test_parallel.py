"""check(workers=N) gives the one-process result: counts, depth, verdict, coverage and the
same shortest trace — also when the search stops inside a level (a violation, an error, a
deadlock, max_states, max_depth), since the workers reproduce the one-process order."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import textwrap

import attrs
import pytest

from checker import Spec, SpecError, action, check, terminal
from spec import BUNDLED
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tests.specs_for_tests import Broken, Counter, Grid, Infinite, Lonely, StopAfter, Words
from tlc.acp import ACP
from tlc.alternating_bit import AlternatingBit
from tlc.chang_roberts import ChangRoberts
from tlc.ewd840 import EWD840
from tlc.missionaries import MissionariesAndCannibals
from tlc.paxos import Paxos
from tlc.peterson import Peterson
from tlc.tcommit import TCommit
from tlc.voting import Voting


def figures(r):
    """Everything a user reads in a result, except the time."""
    return (
        r.status, r.distinct_states, r.generated_states, r.depth, r.reason,
        {k: (c.fired, c.new_states) for k, c in r.coverage.items()},
        [(v.kind, v.name, v.message, [(s.action, s.state) for s in v.trace]) for v in r.violations],
    )


def same_as_one_process(spec, workers=2, **options):
    options.setdefault("liveness", False)  # the bundled models declare properties; liveness is one-process only
    one, many = check(spec, **options), check(spec, workers=workers, **options)
    assert figures(many) == figures(one)
    assert many.workers == workers
    # at any stop, every successor counted is one some action fired
    if one.distinct_states > one.init_states:
        assert sum(c.fired for c in many.coverage.values()) == many.generated_states - many.init_states
    return many


TLC_PORTS = {
    "TCommit": (TCommit(), dict(deadlock=False)),
    "Peterson": (Peterson(), dict(deadlock=True)),
    "ChangRoberts-N3": (ChangRoberts(n=3), dict(deadlock=False, liveness=False)),  # Liveness: one process only
    "MCAlternatingBit": (AlternatingBit(), dict(deadlock=True)),
    "EWD840-N3": (EWD840(n=3), dict(deadlock=False, liveness=False)),
    "MCPaxos": (Paxos(acceptors=1, values=1, max_ballot=1), dict(deadlock=True)),
    "MCVoting": (Voting(acceptors=3, values=2, max_ballot=1), dict(deadlock=False)),
    "ACP_NB": (ACP(variant="nb"), dict(deadlock=False)),
    "MissionariesAndCannibals": (MissionariesAndCannibals(), dict(deadlock=True)),
    "MissionariesAndCannibals-continue": (MissionariesAndCannibals(), dict(deadlock=True, stop_on_first=False)),
    "ACP_NB_WRONG": (ACP(variant="nb_wrong"), dict(deadlock=False, invariants=["AC1"])),
}


@pytest.mark.parametrize("name", list(TLC_PORTS))
def test_tlc_ports_same_as_one_process(name):
    spec, options = TLC_PORTS[name]
    same_as_one_process(spec, **options)


def test_shortest_counterexample_is_the_one_process_trace():
    r = same_as_one_process(MissionariesAndCannibals())
    assert (r.status, len(r.violation.trace), r.depth) == ("violation", 12, 12)


def _bundled(name):
    module, cls = BUNDLED[name].split(":")
    return getattr(importlib.import_module(module), cls)()


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_models_same_as_one_process_up_to_a_state_limit(name):
    """Each bundled model at its defaults, cut at 1500 states: the cut falls inside a level,
    so this also checks that the workers stop exactly where one process stops."""
    r = same_as_one_process(_bundled(name), max_states=1500)
    assert r.distinct_states <= 1500


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_models_same_as_one_process_to_a_depth(name):
    same_as_one_process(_bundled(name), max_depth=6, stop_on_first=False)


def test_complete_runs_three_workers():
    r = same_as_one_process(TwoPhase(rms=4), workers=3)
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 1568, 8258, 14)
    same_as_one_process(DieHard(), workers=3)


@pytest.mark.parametrize("how", ["raise", "inv", "none", "domain", "list", "bool", "type", "init"])
def test_errors_in_spec_code_same_as_one_process(how):
    r = same_as_one_process(Broken(how=how))
    assert r.status == "error"


@pytest.mark.parametrize("spec", [Grid(), Grid(allow_corner=False), Lonely(), Counter(), Words()], ids=repr)
@pytest.mark.parametrize("options", [{}, {"stop_on_first": False}, {"deadlock": False, "stop_on_first": False}], ids=str)
def test_small_specs_every_option(spec, options):
    same_as_one_process(spec, **options)


@pytest.mark.parametrize("limit", [dict(max_states=1), dict(max_states=7), dict(max_states=100), dict(max_depth=1), dict(max_depth=5)], ids=str)
def test_limits_same_as_one_process(limit):
    r = same_as_one_process(AlternatingBit(), **limit)
    assert r.status == "incomplete"


def test_invariant_selection_and_view():
    same_as_one_process(Grid(), invariants=["x_small"])

    @attrs.frozen
    class Viewed(Counter):
        def view(self, s):
            return min(s, 3)

    r = check(Viewed(limit=5), workers=2)
    assert (r.distinct_states, r.depth) == (4, 4)


def test_time_limit():
    r = check(Infinite(), time_limit=0.3, workers=2)
    assert r.status == "incomplete" and "time_limit" in r.reason and r.distinct_states > 0


def test_interrupt_raised_in_spec_code_reports_figures_so_far():
    r = check(StopAfter(at=50), workers=2)
    assert (r.status, r.exit_code, r.distinct_states) == ("interrupted", 130, 51)


def test_ctrl_c_stops_the_workers_and_reports():
    code = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        from checker import check
        from tests.specs_for_tests import Infinite
        print("ready", flush=True)
        r = check(Infinite(), workers=2)
        print(r.status, r.distinct_states > 0, flush=True)
    """ % os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    import time

    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert out.split() == ["interrupted", "True"]


def test_same_trace_every_run():
    traces = {tuple(s.action for s in check(ACP(variant="nb_wrong"), deadlock=False, invariants=["AC1"], workers=w).violation.trace)
              for w in (2, 3, 2)}
    assert len(traces) == 1


def test_workers_argument():
    assert check(DieHard(), workers="auto").workers == (os.cpu_count() or 1) or os.cpu_count() == 1
    for bad in (0, -1, "two", 1.5, True):
        with pytest.raises(SpecError, match="workers"):
            check(DieHard(), workers=bad)


def test_unpicklable_states_are_refused_with_the_fix():
    from typing import NamedTuple

    class Local(NamedTuple):  # defined in a function: pickle cannot name it
        x: int

    @attrs.frozen
    class Local_(Spec):
        def init(self):
            yield Local(0)

        @action
        def inc(self, s):
            return Local(s.x + 1) if s.x < 3 else None

    assert check(Local_(), deadlock=False).ok
    with pytest.raises(SpecError, match="module level"):
        check(Local_(), deadlock=False, workers=2)


@attrs.frozen
class RaisingTerminal(Spec):
    def init(self):
        yield 0

    @action
    def inc(self, s):
        return s + 1 if s < 2 else None

    @terminal
    def end(self, s):
        return 1 / 0


@pytest.mark.parametrize("workers", [
    1,
    2,
])
def test_raising_terminal_is_named(workers):
    r = check(RaisingTerminal(), workers=workers)
    assert r.status == "error" and "@terminal predicate raised ZeroDivisionError" in r.violation.message


def test_one_process_fired_matches_generated_at_a_stop():
    r = check(MissionariesAndCannibals())
    assert sum(c.fired for c in r.coverage.values()) == r.generated_states - r.init_states


def test_progress_is_reported_during_a_parallel_run():
    seen = []
    r = check(TwoPhase(rms=5), workers=2, progress=seen.append, progress_interval=0.01)
    assert r.ok and seen
    assert set(seen[-1]) == {"distinct", "generated", "queue", "depth", "seconds", "per_second"}
    assert all(0 <= p["distinct"] <= r.distinct_states for p in seen)


def test_workers_with_compact_visited_sets(monkeypatch, tmp_path):
    """A worker's visited set moves to the compact store's runs past WORKER_MIN_MERGE
    fingerprints (10 M-state runs); tiny here, so that every path that must then look in
    the runs too (the level's own new states, the budget, sends, received candidates) runs."""
    import checker.parallel_worker as pw
    from checker.store import FingerprintStore

    monkeypatch.setattr(pw, "WORKER_MIN_MERGE", 64)
    log = tmp_path / "runs"
    merge = FingerprintStore.maybe_merge

    def logged(self):
        merge(self)
        if self.runs:
            with open(log, "a") as f:
                f.write(f"{sum(int(r.size) for r in self.runs)}\n")

    monkeypatch.setattr(FingerprintStore, "maybe_merge", logged)  # workers are forked: they inherit both
    r = same_as_one_process(TwoPhase(rms=4))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 1568, 8258, 14)
    same_as_one_process(TwoPhase(rms=4), workers=3)
    same_as_one_process(TwoPhase(rms=4), max_states=1000)
    same_as_one_process(_bundled("kafka-controller"), max_states=2500)
    same_as_one_process(MissionariesAndCannibals())
    assert max(int(n) for n in log.read_text().split()) > 500  # the workers' runs held most fingerprints
