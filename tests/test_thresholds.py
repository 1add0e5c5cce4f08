"""Code paths that only run past a size threshold (chunks of PROGRESS_EVERY states,
sorted bulk lookups past SORT_QUERIES, merging runs of the visited set) run here, with
the threshold shrunk, and must give the figures the defaults give. Also the three
mutants of issue 14 that no test used to notice: the chunk start after a deadlock, the
un-permuting of sorted lookups, and the constraint in `_rewind`."""

from __future__ import annotations

import random

import attrs
import numpy as np
import pytest

import checker.search as search
import checker.store as store
from checker import Spec, action, check, constraint, invariant
from checker.store import FingerprintStore
from spec.diehard import DieHard
from spec.two_phase import TwoPhase
from tlc.ewd840 import EWD840


def figures(r):
    """What a user compares between two runs: verdict, counts, depth, per-action coverage,
    traces. Not `queue` at a stop: it is updated once a chunk, so it moves with PROGRESS_EVERY."""
    return (r.status, r.reason, r.distinct_states, r.generated_states, r.depth,
            {name: (c.fired, c.new_states) for name, c in r.coverage.items()},
            [(v.name, [s.action for s in v.trace]) for v in r.violations])


RUNS = [
    ("two-phase 5 RMs", lambda: check(TwoPhase(rms=5))),
    ("two-phase 5 RMs cut inside a level", lambda: check(TwoPhase(rms=5), max_states=2000)),
    ("two-phase 5 RMs to depth 7", lambda: check(TwoPhase(rms=5), max_depth=7)),
    ("diehard, every violation", lambda: check(DieHard(), stop_on_first=False)),
    # 7% of its successors are states of older levels: Bloom-positive lookups in the runs
    ("EWD840 N=4", lambda: check(EWD840(n=4), deadlock=False)),
]


@pytest.mark.parametrize("name,run", RUNS, ids=[n for n, _ in RUNS])
def test_small_thresholds_give_the_figures_of_the_defaults(monkeypatch, name, run):
    expected = figures(run())
    monkeypatch.setattr(search, "PROGRESS_EVERY", 7)  # many chunks a level: settling, rewinds across chunks
    monkeypatch.setattr(store, "MIN_MERGE", 64)  # the visited set moves to compact runs early
    monkeypatch.setattr(store, "MAX_RUN", 512)  # and runs stop merging at 512
    monkeypatch.setattr(store, "SORT_QUERIES", 2)  # bulk lookups take the sorted path
    sorted_lookups = []
    search_runs = FingerprintStore._search
    monkeypatch.setattr(FingerprintStore, "_search",
                        lambda self, q: (sorted_lookups.append(q.size > store.SORT_QUERIES), search_runs(self, q))[1])
    assert figures(run()) == expected
    if name.startswith("EWD840"):
        assert any(sorted_lookups)  # the sorted path did run


def test_two_phase_with_small_thresholds_keeps_tlc_counts(monkeypatch):
    monkeypatch.setattr(search, "PROGRESS_EVERY", 5)
    monkeypatch.setattr(store, "MIN_MERGE", 100)
    monkeypatch.setattr(store, "SORT_QUERIES", 8)
    r = check(TwoPhase(rms=3))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 288, 1146, 11)


def test_sorted_bulk_lookups_answer_in_the_order_asked(monkeypatch):
    """More Bloom-positive queries than SORT_QUERIES are sorted before the search of the
    runs; the answer must come back in the caller's order (mutant: not un-permuted)."""
    monkeypatch.setattr(store, "MIN_MERGE", 256)
    monkeypatch.setattr(store, "SORT_QUERIES", 32)
    members = list(range(0, 6000, 7))
    fs = FingerprintStore()
    for v in members:
        fs.add(v)
        fs.maybe_merge()
    in_runs = set(np.concatenate(fs.runs).tolist())
    assert len(in_runs) > 500
    queries = members + list(range(3, 6000, 7))  # half members, half not
    random.Random(14).shuffle(queries)
    mask = fs.known_in_bulk(queries)
    assert mask.tolist() == [q in in_runs for q in queries]


@attrs.frozen
class DeadEnds(Spec):
    """0 -> 1..5; 2 is a dead end (a deadlock); every other n < 10 has n successors 10n + v
    (v < n), all dead ends. Level 2 is expanded in one chunk; 2 deadlocks in its middle."""

    def init(self):
        yield 0

    @action(v=lambda spec, s: range(1, 6) if s == 0 else range(s) if s < 10 else range(0))
    def step(self, s, v):
        if s == 0:
            return v
        return None if s == 2 else 10 * s + v


@pytest.fixture(params=["generated", "plain"])
def loop(request, monkeypatch):
    """Both level loops (codegen.py and level.py) must pass the mutant-killing tests."""
    monkeypatch.setenv("PROTOCHECK_LOOP", request.param)
    return request.param


def test_counts_at_a_limit_after_a_deadlock_in_the_same_level(loop):
    """With --continue the search goes on past the deadlock at state 2; the state limit
    (9) then stops it at 32, the first state beyond it: counts are those of that moment
    (the initial state, then the successors of 0, 1 and 3: 1 + 5 + 1 + 3 = 10).
    Re-expanding the chunk from anywhere but just after the deadlocked state (its start,
    codegen's `cstart = idx - first + 1`, level.py's `chunk_start`) counts 1's successor twice, or misses 32 and
    counts all four of 4's."""
    r = check(DeadEnds(), stop_on_first=False, max_states=9)
    assert (r.status, r.reason, r.distinct_states, r.generated_states) == ("deadlock", "reached max_states=9", 9, 10)
    assert [v.name for v in r.violations] == ["deadlock"]
    assert [s.state for s in r.violation.trace] == [0, 2]
    assert r.coverage["step"].fired == 9


@attrs.frozen
class ViewedTwins(Spec):
    """States (x, tag) seen through the view x. From the initial state, the first successor
    (1, 1) fails the constraint, (5, 0) passes, and (1, 0) — the same view as (1, 1) —
    passes and breaks the invariant: the violation is at the 3rd successor."""

    def init(self):
        yield (0, 0)

    def view(self, s):
        return s[0]

    @action(v=lambda spec, s: range(3) if s == (0, 0) else range(0))
    def step(self, s, v):
        return ((1, 1), (5, 0), (1, 0))[v]

    @constraint
    def untagged(self, s):
        return s[1] == 0

    @invariant
    def never_one(self, s):
        return s[0] != 1


def test_counts_at_a_violation_skip_a_same_fingerprint_successor_the_constraint_dropped(loop):
    """`_rewind` re-expands until the successor with the target's fingerprint that passes
    the constraints: (1, 1) has the fingerprint of (1, 0) but the constraint dropped it."""
    r = check(ViewedTwins(), deadlock=False)
    assert (r.status, r.violation.name) == ("violation", "never_one")
    assert [s.state for s in r.violation.trace] == [(0, 0), (1, 0)]
    assert (r.generated_states, r.coverage["step"].fired) == (1 + 3, 3)
