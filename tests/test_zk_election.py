"""ZooKeeper election model: pinned state counts for small safe configurations, and for every
bug switch the invariant it breaks, the counterexample length and a trace that replays."""

from __future__ import annotations

import pytest

from checker import SpecError, check, verify_trace
from spec.zk_election import ZkElection


def replays(spec: ZkElection, trace) -> bool:
    """Every step is an enabled action that, re-run on the previous state, gives the next state."""
    for prev, step in zip(trace, trace[1:]):
        if getattr(spec, step.name)(prev.state, **step.args) != step.state:
            return False
    return True


@pytest.mark.parametrize(
    "constants, distinct, generated, depth",
    [
        # boot election and epoch establishment only: no fault, no second round
        (dict(max_crashes=0, max_round=1), 3619, 13493, 15),
        # re-elections after a leader gives up (initLimit / lost quorum), still no fault
        (dict(max_crashes=0), 32089, 127184, 22),
        # boot election over a per-pair FIFO that keeps one older transmitted notification
        (dict(max_crashes=0, max_round=1, stale_notifications=1), 19877, 102078, 18),
        # server 1 boots with acceptedEpoch 2 (two failed proposals); the fence refuses epoch 1
        (dict(max_crashes=0, max_round=1, recovered_accepted=(0, 2, 0)), 3125, 11618, 14),
    ],
)
def test_safe_configurations_pass_with_pinned_counts(constants, distinct, generated, depth):
    r = check(ZkElection(**constants), deadlock=False)
    assert r.status == "ok"
    assert (r.distinct_states, r.generated_states, r.depth) == (distinct, generated, depth)


BUGS = [
    # (constants, invariant it breaks, states in the shortest trace, actions that must appear)
    (dict(quorum="half"), "one_leader_per_epoch", 5, {"decide", "propose_epoch"}),
    (dict(vote_order="zk-1419"), "votes_only_improve", 13, {"crash", "ack_epoch", "deliver"}),
    (dict(vote_order="sid-only", ahead_check=False, recovered_logs=(1, 1, 0), max_crashes=0),
     "leader_has_latest_committed", 7, {"decide", "ack_epoch"}),
    (dict(sync_truncates=False, recovered_logs=(1, 1, 2), max_crashes=0, max_writes=1),
     "logs_prefix_consistent", 14, {"write", "replicate", "commit", "ack_epoch"}),
    (dict(epoch_fencing=False, recovered_accepted=(0, 2, 0), max_crashes=0, max_round=1),
     "no_stale_leader_accepted", 10, {"decide", "propose_epoch", "ack_epoch"}),
]


@pytest.mark.parametrize("constants, name, length, actions", BUGS, ids=[b[1] for b in BUGS])
def test_bug_switch_breaks_its_invariant(constants, name, length, actions):
    spec = ZkElection(**constants)
    r = check(spec, deadlock=False, invariants=[name])
    assert r.status == "violation"
    v = r.violations[0]
    assert v.name == name
    assert len(v.trace) == length
    assert actions <= {s.name for s in v.trace[1:]}
    assert replays(spec, v.trace)
    assert verify_trace(spec, v.trace) is None


def test_quorum_half_trace_is_two_leaders_in_epoch_1():
    r = check(ZkElection(quorum="half"), deadlock=False, invariants=["one_leader_per_epoch"])
    last = r.violations[0].trace[-1].state
    assert sorted(L for e, L, _ in last.established if e == 1) == [0, 1]


def test_half_quorum_also_breaks_leader_has_quorum():
    r = check(ZkElection(quorum="half"), deadlock=False, invariants=["leader_has_quorum"])
    assert r.status == "violation" and len(r.violations[0].trace) <= 5


def test_no_fencing_trace_is_the_failed_proposer_joining_epoch_1():
    r = check(ZkElection(epoch_fencing=False, recovered_accepted=(0, 2, 0), max_crashes=0, max_round=1),
              deadlock=False, invariants=["no_stale_leader_accepted"])
    v = r.violations[0]
    last = v.trace[-1].state
    assert v.trace[-1].action == "ack_epoch(f=1)"
    assert (last.accepted[1], last.zepoch[1], last.zepoch[2]) == (2, 1, 1)  # leader 2 proposed epoch 1 to 1
    assert "follower 1 accepted epoch 2" in v.message


def test_stale_notification_is_delivered_before_the_newer_one():
    spec = ZkElection(stale_notifications=1, max_crashes=0)
    s = next(iter(spec.init()))
    s = spec.deliver(s, link=(2, 1))  # 1 adopts 2's vote and re-broadcasts; its old vote stays in transit
    assert s.old[1 * 3 + 0] == (("LOOKING", 1, (0, (0, 0), 1)),) and s.net[1 * 3 + 0] == ("LOOKING", 1, (0, (0, 0), 2))
    fifo = spec.deliver(s, link=(1, 0))
    assert fifo.vote[0] == (0, (0, 0), 1) and fifo.net[3] is not None and fifo.old[3] == ()
    skipped = spec.deliver(spec.supersede(s, link=(1, 0)), link=(1, 0))  # the old one never left 1's queue
    assert skipped.vote[0] == (0, (0, 0), 2) and skipped.net[3] is None


def test_zk1154_needs_the_truncation_the_fix_added():
    # same bounds as the bug entry, correct sync: every invariant holds exhaustively
    r = check(ZkElection(recovered_logs=(1, 1, 2), max_crashes=0, max_writes=1), deadlock=False)
    assert r.status == "ok"


def test_recovered_logs_commit_point_is_the_majority_prefix():
    s = next(iter(ZkElection(recovered_logs=(1, 1, 2), max_crashes=0).init()))
    assert s.hist == (((1, 1),), ((1, 1),), ((1, 1), (1, 2)))
    assert s.czx == ((1, 1),) * 3 and s.committed == frozenset({(1, 1)})


@pytest.mark.parametrize(
    "constants, words",
    [
        (dict(servers=0), "servers=0"),
        (dict(max_round=0), "max_round=0"),
        (dict(max_writes=1, max_epoch=0), "max_epoch=0"),
        (dict(recovered_logs=(1, 2)), "one log length per server"),
        (dict(max_crashes=-1), "max_crashes=-1"),
        (dict(stale_notifications=-1), "stale_notifications=-1"),
        (dict(recovered_accepted=(0, 2)), "one acceptedEpoch per server"),
        (dict(recovered_logs=(1, 1, 1), recovered_accepted=(0, 2, 1)), ">= the currentEpoch on disk, 1"),
    ],
)
def test_bad_constants_are_refused_with_the_fix(constants, words):
    with pytest.raises(SpecError, match="Fix these constants") as err:
        ZkElection(**constants)
    assert words in str(err.value)
