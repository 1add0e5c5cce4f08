"""Liveness verdicts of the TLC ports (tests/tlc/) against TLC's.

TLC's figures are from tests/tlc_liveness/run_tlc.py (TLC built from tlaplus/tlaplus,
one worker) on the tlaplus/Examples models, or on the small wrappers under
tests/tlc_liveness/ports/ that EXTEND them (a variant without some fairness, a property
the model does not promise): verdict, distinct / generated / depth, and for a violation
the length of TLC's counterexample. TLC's liveness counterexamples are not shortest, so
where ours is asserted shorter the comment says why it is the shortest. Every
counterexample is replayed and evaluated independently (liveness_oracle.lasso_problem).
"""

from __future__ import annotations

import networkx as nx
import pytest

from checker import check
from liveness_oracle import Graph, lasso_problem, violated
from tlc.alternating_bit import BoundedAlternatingBit, BoundedAlternatingBitWeak
from tlc.chang_roberts import ChangRoberts, ChangRobertsSomeoneWins, ChangRobertsUnfair
from tlc.ewd840 import EWD840, EWD840EventuallyTerminated
from tlc.readers_writers import ReadersWriters, ReadersWritersStopUnfair
from tlc.token_ring import TokenRing, TokenRingUnfair

# name: (spec, TLC's (distinct, generated, depth), the property instances checked)
HOLDS = {
    # MCChangRoberts.cfg, PROPERTY Liveness: ok, 137 / 227 / 10.
    "ChangRoberts-Liveness": (ChangRoberts(n=3), (137, 227, 10), ["Liveness"]),
    # MC.cfg (NumActors 3), PROPERTY Liveness: ok, 21527 / 59674 / 13.
    "ReadersWriters-Liveness": (
        ReadersWriters(num_actors=3), (21527, 59674, 13),
        [f"{p}(actor={a})" for p in ("reads", "writes", "stops_reading", "stops_writing") for a in (1, 2, 3)]),
    # EWD840.cfg (N 3), PROPERTY Liveness: ok, 302 / 2001 / 9.
    "EWD840-Liveness": (EWD840(n=3), (302, 2001, 9), ["Liveness"]),
    # TRLive.tla, N 4, M 3, Spec: Stab ok, 81 / 270 / 1. (TokenRing.cfg, N 6, M 6: ok,
    # 46656 / 248832 / 1, and ours too, in bench/tlc_ports.py: over 10 s, too long for a test.)
    "TokenRing-4-3-Stab": (TokenRing(n=4, m=3), (81, 270, 1), ["Stab"]),
    # ABBounded.tla, BSpec (ABFairness, the bound as a guard): SentLeadsToRcvd ok, 240 / 1204 / 10.
    "AlternatingBit-SentLeadsToRcvd": (
        BoundedAlternatingBit(), (240, 1204, 10), ["SentLeadsToRcvd(d='d1')", "SentLeadsToRcvd(d='d2')"]),
}


@pytest.mark.parametrize("name", list(HOLDS))
def test_properties_tlc_proves_hold(name):
    spec, counts, instances = HOLDS[name]
    r = check(spec, deadlock=False)
    assert r.status == "ok", (r.status, r.violation and r.violation.name)
    assert (r.distinct_states, r.generated_states, r.depth) == counts
    assert r.properties == instances and r.vacuous == []


# Shapes of our counterexamples, where TLC's figures (or reasoning) pin them down.

def _no_initiator_then_three_n0(v):
    # As TLC's: the three n0 steps are forced by weak fairness, then the state stutters.
    assert not any(v.trace[0].state.initiator)
    assert [s.name for s in v.trace[1:]] == ["n0", "n0", "n0"] and v.loop == 3 and v.loop_step is None


def _candidate_stutters_initially(v):
    # TLC's has 6 states; an initial state with a candidate that stutters is the shortest.
    assert len(v.trace) == 1 and v.loop == 0 and v.loop_step is None and "cand" in v.trace[0].state.state


def _one_actor_keeps_the_resource(v):
    # As TLC's (9 states, stuttering): one actor gets the resource and keeps it; the fair
    # TryRead/TryWrite of every actor fill the queue (6 more steps), then nothing is enabled
    # but the unfair Stop.
    assert len(v.trace) == 9 and v.loop == 8 and v.loop_step is None
    last = v.trace[-1].state
    assert len(last.waiting) == 6 and len(last.readers | last.writers) == 1


def _cycle_through_an_initial_state(v):
    # The shortest prefix (none: an initial state lies on a fair cycle), and the same shape as
    # TLC's (7 states, back to state 1): nodes 1 and 2 wake each other while the token goes
    # round; node 1's message to node 2 blackens node 1, so the token comes back black.
    assert v.loop == 0 and len(v.trace) == 7 and v.loop_step is not None
    assert {s.name for s in v.trace[1:]} >= {"initiate_probe", "pass_token", "send_msg"}


def _stutters_initially(v):
    # As TLC's: an initial state with several tokens stutters.
    assert len(v.trace) == 1 and v.loop == 0 and v.loop_step is None


def _loses_the_message(v):
    # RcvMsg is weakly fair, so a message left in the queue would be received: the cycle
    # loses it. (TLC's: 11 states, back to state 4.)
    cycle = [s.name for s in v.trace[v.loop + 1:]] + ([v.loop_step.name] if v.loop_step else [])
    assert "lose_msg" in cycle


# name: (spec, property, TLC's (distinct, generated, depth), shape of our counterexample)
VIOLATED = {
    # CRLive.tla, Spec: SomeoneWins VIOLATED, 137 / 227 / 10, 4 states, stuttering.
    "ChangRoberts-SomeoneWins": (
        ChangRobertsSomeoneWins(n=3), "SomeoneWins", (137, 227, 10), _no_initiator_then_three_n0),
    # CRLive.tla, NoFairSpec: Liveness VIOLATED, 137 / 227 / 10, 6 states, stuttering.
    "ChangRoberts-NoFair-Liveness": (
        ChangRobertsUnfair(n=3), "Liveness", (137, 227, 10), _candidate_stutters_initially),
    # EWDLive.tla, Spec: EventuallyTerminated VIOLATED, 302 / 2001 / 9, 7 states, back to state 1.
    "EWD840-EventuallyTerminated": (
        EWD840EventuallyTerminated(n=3), "EventuallyTerminated", (302, 2001, 9), _cycle_through_an_initial_state),
    # TRLive.tla, NoFairSpec, N 4, M 3: Stab VIOLATED, 81 / 270 / 1, 1 state, stuttering.
    "TokenRing-4-3-NoFair-Stab": (TokenRingUnfair(n=4, m=3), "Stab", (81, 270, 1), _stutters_initially),
    # ABBounded.tla, BWeakSpec: SentLeadsToRcvd VIOLATED, 240 / 1204 / 10, 11 states, back to state 4.
    "AlternatingBit-Weak-SentLeadsToRcvd": (
        BoundedAlternatingBitWeak(), "SentLeadsToRcvd", (240, 1204, 10), _loses_the_message),
}


@pytest.mark.parametrize("name", list(VIOLATED))
def test_properties_tlc_refutes_are_violated_by_a_real_lasso(name):
    spec, prop, counts, shape = VIOLATED[name]
    r = violated(spec, prop)  # the lasso replays, is fair, and violates prop
    assert (r.distinct_states, r.generated_states, r.depth) == counts
    shape(r.violation)


def test_readers_writers_without_fair_stop_violates_each_conjunct_of_liveness():
    # RWLive.tla, NoStopFairSpec: Reading, Writing, NotReading, NotWriting each VIOLATED,
    # 21527 / 59674 / 13, counterexample 9 states, stuttering. One search, every violation.
    spec = ReadersWritersStopUnfair()
    r = check(spec, deadlock=False, stop_on_first=False)
    assert (r.distinct_states, r.generated_states, r.depth) == (21527, 59674, 13)
    assert [v.name for v in r.violations] == ["reads", "writes", "stops_reading", "stops_writing"]
    for v in r.violations:
        assert lasso_problem(spec, v) is None, v.name
        _one_actor_keeps_the_resource(v)


def test_chang_roberts_graph_has_no_cycle_so_per_node_and_per_instance_fairness_agree():
    """The port's fairness (each n0(i), n1(i, m)) stands for TLA+'s WF per node; the docstring
    of tests/tlc/chang_roberts.py says why that is exact when the graph is acyclic."""
    g = Graph(ChangRoberts(n=3), max_states=200)
    dag = nx.DiGraph((i, j) for i, succ in enumerate(g.succ) for j in succ)
    assert len(g.states) == 137 and nx.is_directed_acyclic_graph(dag)
