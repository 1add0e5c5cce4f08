"""TLC's own figures on public tlaplus/Examples models, pinned on faithful ports.

Each case is (port, check options, TLC's distinct / generated / depth / status). A port
that matches all three counts explores the same graph as TLC, stuttering steps and
duplicate successors included; a mismatch is an engine or port bug, never a number to
adjust. Sources and constants are in each port's docstring (tests/tlc/). The ports' liveness
properties are checked against TLC in test_liveness_tlc.py; here only the safety search.
"""

from __future__ import annotations

import pytest

from checker import check
from checker.spec import describe
from tlc.acp import ACP
from tlc.alternating_bit import AlternatingBit
from tlc.chang_roberts import ChangRoberts
from tlc.ewd840 import EWD840
from tlc.missionaries import MissionariesAndCannibals
from tlc.paxos import Paxos
from tlc.peterson import Peterson
from tlc.readers_writers import ReadersWriters
from tlc.tcommit import TCommit
from tlc.token_ring import TokenRing
from tlc.voting import Voting

# name: (spec, check kwargs, (distinct, generated, depth, status))
COMPLETE = {
    "TCommit": (TCommit(), dict(deadlock=False), (34, 94, 7, "ok")),
    "MissionariesAndCannibals-continue": (
        MissionariesAndCannibals(), dict(deadlock=True, stop_on_first=False), (64, 283, 13, "violation")),
    "Peterson": (Peterson(), dict(deadlock=True), (42, 77, 11, "ok")),
    "ChangRoberts-N3": (ChangRoberts(n=3), dict(deadlock=False, liveness=False), (137, 227, 10, "ok")),
    "MCAlternatingBit": (AlternatingBit(), dict(deadlock=True), (240, 1392, 10, "ok")),
    "EWD840-N3": (EWD840(n=3), dict(deadlock=False, liveness=False), (302, 2001, 9, "ok")),
    "MCPaxos": (Paxos(acceptors=1, values=1, max_ballot=1), dict(deadlock=True), (25, 82, 9, "ok")),
    "MCVoting-no-symmetry": (Voting(acceptors=3, values=2, max_ballot=1), dict(deadlock=False), (599, 3124, 11, "ok")),
    "PaxosHowToWinATuringAward-MCPaxosTiny": (
        Paxos(acceptors=3, values=2, max_ballot=1), dict(deadlock=True, invariants=["Inv"]), (3921, 23563, 17, "ok")),
    "TokenRing-N6-M6": (TokenRing(n=6, m=6), dict(deadlock=False, liveness=False), (46656, 248832, 1, "ok")),
    "ReadersWriters-3": (ReadersWriters(num_actors=3), dict(deadlock=True, liveness=False), (21527, 59674, 13, "ok")),
    "ACP_NB_WRONG-continue": (
        ACP(variant="nb_wrong"), dict(deadlock=False, invariants=["AC1"], stop_on_first=False), (13756, 72616, 17, "violation")),
    "ACP_NB": (ACP(variant="nb"), dict(deadlock=False), (4284, 23988, 19, "ok")),
}

# name: (spec, check kwargs, violated invariant, TLC's trace length in states)
VIOLATIONS = {
    "MissionariesAndCannibals": (MissionariesAndCannibals(), dict(deadlock=True), "Solution", 12),
    "ACP_NB_WRONG": (ACP(variant="nb_wrong"), dict(deadlock=False, invariants=["AC1"]), "AC1", 13),
}


@pytest.mark.parametrize("name", list(COMPLETE))
def test_counts_match_tlc(name):
    spec, options, (distinct, generated, depth, status) = COMPLETE[name]
    r = check(spec, **options)
    assert (r.distinct_states, r.generated_states, r.depth, r.status) == (distinct, generated, depth, status)


def assert_replays(spec, trace, invariant):
    """The trace starts in an initial state, each step is its action applied to the state
    before, and the last state (only) violates the invariant."""
    assert trace[0].state in list(spec.init())
    for before, step in zip(trace, trace[1:]):
        assert getattr(spec, step.name)(before.state, **step.args) == step.state
    holds = describe(type(spec)).invariants[invariant]
    assert not holds(spec, trace[-1].state)
    assert all(holds(spec, st.state) for st in trace[:-1])


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_shortest_counterexample_matches_tlc(name):
    spec, options, invariant, length = VIOLATIONS[name]
    r = check(spec, **options)
    assert r.status == "violation"
    assert r.violation.name == invariant
    assert len(r.violation.trace) == length
    assert_replays(spec, r.violation.trace, invariant)


def test_missionaries_solution_ends_with_everyone_west():
    r = check(MissionariesAndCannibals())
    last = r.violation.trace[-1].state
    assert last.bank[0] == frozenset() and len(last.bank[1]) == 6 and last.boat == "W"


def test_depth_at_violation_is_the_trace_length():
    r = check(MissionariesAndCannibals())
    assert r.depth == len(r.violation.trace) == 12
