"""ZooKeeper election model: pinned state counts for small safe configurations, and for every
bug switch the invariant it breaks, the counterexample length and a trace that replays."""

from __future__ import annotations

import pytest

import functools

import attrs

from checker import SpecError, check, verify_trace
from checker import invariant as invariant_marker
from checker.spec import describe
from spec.zk_election import ZkElection
from spec.zk_zab import CLOSED
from tests.helpers import actions


def replays(spec: ZkElection, trace) -> bool:
    """Every step is an enabled action that, re-run on the previous state, gives the next state."""
    for prev, step in zip(trace, trace[1:]):
        if getattr(spec, step.name)(prev.state, **step.args) != step.state:
            return False
    return True


@pytest.mark.parametrize(
    "constants, distinct, generated, depth, vacuous",
    [
        # boot election, epoch establishment and sync only: no fault, no write
        (dict(max_crashes=0, max_writes=0), 8821, 33284, 24,
         ["one_leader_per_epoch", "leader_has_latest_committed", "no_stale_leader_accepted", "logs_prefix_consistent"]),
        # the same with one write: PROPOSAL, fsyncs, ACKs, COMMIT
        (dict(max_crashes=0), 36701, 154966, 30,
         ["one_leader_per_epoch", "leader_has_latest_committed", "no_stale_leader_accepted"]),
        # one write and a crash that strikes only a quiet ensemble: no later epoch after a commit
        (dict(fault_timing="quiet"), 47138, 180454, 34, ["leader_has_latest_committed", "no_stale_leader_accepted"]),
        # server 1 boots with acceptedEpoch 2 (two failed proposals); the fence refuses epoch 1
        (dict(max_crashes=0, max_writes=0, recovered_accepted=(0, 2, 0)), 4921, 18195, 22,
         ["one_leader_per_epoch", "leader_has_latest_committed", "logs_prefix_consistent"]),
        # the manifest's zk-election-epoch-fencing-refuses (with its write): the entry that exercises the fence
        (dict(max_crashes=0, recovered_accepted=(0, 2, 0)), 8821, 34405, 28,
         ["one_leader_per_epoch", "leader_has_latest_committed"]),
    ],
)
def test_safe_configurations_pass_with_deadlock_checking(constants, distinct, generated, depth, vacuous):
    r = check(ZkElection(**constants), deadlock=True)
    assert r.status == "ok"
    assert (r.distinct_states, r.generated_states, r.depth) == (distinct, generated, depth)
    assert r.vacuous == vacuous


# the ensemble reboots from disks a whole-ensemble crash in epoch 1 left: (1,1) committed on 0 and 1
STAGED = dict(recovered_logs=(1, 1, 0), max_epoch=3, max_writes=0)

BUGS = [
    # (constants, invariant it breaks, states in the shortest trace, actions that must appear)
    (dict(quorum="half"), "one_leader_per_epoch", 5, {"decide", "propose_epoch"}),
    (dict(vote_order="zk-1419"), "votes_only_improve", 9, {"crash", "ack_epoch", "deliver"}),
    (dict(vote_order="sid-only", ahead_check=False, recovered_logs=(1, 1, 0), max_crashes=0),
     "leader_has_latest_committed", 7, {"decide", "ack_epoch"}),
    (dict(sync_truncates=False, recovered_logs=(1, 1, 2), max_crashes=0),
     "logs_prefix_consistent", 21, {"write", "replicate", "flush", "commit", "sync_receive"}),
    (dict(epoch_fencing=False, recovered_accepted=(0, 2, 0), max_crashes=0),
     "no_stale_leader_accepted", 11, {"decide", "propose_epoch", "ack_epoch", "sync_receive"}),
    (dict(epoch_before_txns=True, **STAGED), "leader_has_latest_committed", 16,
     {"sync_receive", "write_epoch", "crash", "propose_epoch"}),
    (dict(ack_before_fsync=True, **STAGED), "leader_has_latest_committed", 17,
     {"sync_receive", "log_synced", "write_epoch", "crash", "propose_epoch"}),
]


@functools.lru_cache(maxsize=None)
def bug_check(spec: ZkElection, name: str):
    """Each bug configuration is searched once per test session (the sync-order ones take ~100k states)."""
    return check(spec, deadlock=False, invariants=[name])


@pytest.mark.parametrize("constants, name, length, actions", BUGS, ids=[b[1] + "-" + str(b[2]) for b in BUGS])
def test_bug_switch_breaks_its_invariant(constants, name, length, actions):
    spec = ZkElection(**constants)
    r = bug_check(spec, name)
    assert r.status == "violation"
    v = r.violations[0]
    assert v.name == name
    assert len(v.trace) == length
    assert actions <= {s.name for s in v.trace[1:]}
    assert replays(spec, v.trace)
    assert verify_trace(spec, v.trace) is None


def _crash_step(trace):
    return next(k for k, step in enumerate(trace) if step.name == "crash")


def test_zk4643_trace_writes_the_epoch_then_crashes_before_logging():
    r = bug_check(ZkElection(epoch_before_txns=True, **STAGED), "leader_has_latest_committed")
    trace = r.violations[0].trace
    k = _crash_step(trace)
    before, after = trace[k - 1].state, trace[k].state
    assert trace[k - 1].action == "write_epoch(f=2)" and trace[k].action == "crash(i=2)"
    assert (before.current_epoch[2], before.log[2], before.diff_pending[2]) == (2, (), ((1, 1),))  # epoch on disk, txn in memory
    assert (after.current_epoch[2], after.log[2]) == (2, ())
    assert "leader 2 of epoch 3 lacks committed [(1, 1)]" in r.violations[0].message


def test_zk4646_trace_loses_the_unflushed_diff_in_the_crash():
    r = bug_check(ZkElection(ack_before_fsync=True, **STAGED), "leader_has_latest_committed")
    trace = r.violations[0].trace
    k = _crash_step(trace)
    before, after = trace[k - 1].state, trace[k].state
    assert (before.log[2], before.fsynced[2], before.current_epoch[2]) == (((1, 1),), 0, 2)  # logged, not fsynced
    assert (after.log[2], after.fsynced[2]) == ((), 0)


def test_defaults_are_the_fixed_sync_order_with_a_write_and_a_crash():
    spec = ZkElection()
    assert (spec.epoch_before_txns, spec.ack_before_fsync, spec.max_writes, spec.max_crashes, spec.fault_timing) == (
        False, False, 1, 1, "any")


@attrs.frozen
class StuckElection(ZkElection):
    """Every notification of the boot election lost."""

    def init(self):
        for s in ZkElection.init(self):
            yield s._replace(queued=(None,) * (self.servers ** 2))


@attrs.frozen
class StuckWithoutResend(StuckElection):
    """... and no re-send on timeout (an undecorated override removes the action)."""

    def renotify(self, s, i):
        return None


def test_zookeeper_1419_the_election_never_settles():
    """The broken vote order is not transitive: server 0's vote (peerEpoch 1, sid 0) and server
    1's (peerEpoch 0, sid 1) each beat the other, and with the notification sent before the
    latest still in transit (TCP FIFO) the two swap votes for ever: a lasso back to step 2,
    fair to every delivery, with `decide` never continuously enabled (a better vote is always
    on its way). The correct order elects server 0 on the same disks."""
    disks = dict(servers=2, recovered_current=(1, 0), recovered_accepted=(1, 1), max_crashes=0, max_writes=0,
                 stale_notifications=1)
    r = check(ZkElection(vote_order="zk-1419", **disks), invariants=[])
    v = r.violation
    assert (r.status, r.distinct_states, r.transitions) == ("violation", 247, 538)
    assert (v.kind, v.name, len(v.trace), v.loop) == ("liveness", "leader_followed_by_quorum", 6, 2)
    assert v.loop_step.action == "deliver(link=(1, 0))" and v.loop_step.state == v.trace[2].state
    assert [s.state.vote for s in v.trace[2:]] == [((0, (0, 0), 1), (1, (0, 0), 0)), ((0, (0, 0), 1), (0, (0, 0), 1)),
                                                   ((1, (0, 0), 0), (0, (0, 0), 1)), ((1, (0, 0), 0), (1, (0, 0), 0))]
    fixed = check(ZkElection(**disks), invariants=[])
    assert (fixed.status, fixed.distinct_states, fixed.properties) == ("ok", 54, ["leader_followed_by_quorum"])


def test_an_election_stuck_with_nobody_able_to_move_is_a_deadlock():
    r = check(StuckWithoutResend(max_round=2, max_crashes=0), deadlock=True)
    assert r.status == "deadlock" and len(r.violation.trace) == 1
    assert not StuckElection().settled_or_bounded(r.violation.trace[0].state)


def test_the_resend_on_timeout_unsticks_the_election():
    r = check(StuckElection(max_crashes=0, max_writes=0), deadlock=True)
    assert r.status == "ok"
    s = next(iter(StuckElection().init()))
    assert StuckElection().renotify(s, 2).queued[2 * 3 + 0] == ("LOOKING", 1, (0, (0, 0), 2))


def premise_reached(constants: dict, invariant: str):
    """The shortest trace to a state where `invariant`'s exercised= premise holds, or None."""
    premise = describe(ZkElection).exercised[invariant]

    @attrs.frozen
    class Probe(ZkElection):
        @invariant_marker
        def premise_never_holds(self, s):
            return not premise(self, s)

    r = check(Probe(**constants), deadlock=False, invariants=["premise_never_holds"])
    return r.violations[0].trace if r.status == "violation" else None


@pytest.mark.parametrize(
    "constants, name, length",
    [
        (dict(), "votes_only_improve", 2),
        (dict(), "leader_has_quorum", 7),
        (dict(), "one_leader_per_epoch", 14),
        (dict(max_crashes=0), "logs_prefix_consistent", 17),
        (STAGED, "leader_has_latest_committed", 7),
        (dict(max_crashes=0, max_writes=0, recovered_accepted=(0, 2, 0)), "no_stale_leader_accepted", 8),
    ],
)
def test_each_invariant_premise_is_reached(constants, name, length):
    trace = premise_reached(constants, name)
    assert trace is not None and len(trace) == length


def test_the_fence_premise_needs_a_twice_failed_proposer():
    # from a fresh start one crash cannot leave a server with acceptedEpoch 2 while a quorum is at 0
    assert premise_reached(dict(fault_timing="quiet"), "no_stale_leader_accepted") is None


def test_quorum_half_trace_is_two_leaders_in_epoch_1():
    r = check(ZkElection(quorum="half"), deadlock=False, invariants=["one_leader_per_epoch"])
    v = r.violations[0]
    assert sorted(L for e, L, _ in v.trace[-1].state.established if e == 1) == [0, 2]
    # one vote is a quorum: 2 decides on its own vote, so does 0 before 2's better vote reaches it
    assert actions(v) == ["decide(i=2)", "propose_epoch(L=2)", "decide_before_news(i=0)", "propose_epoch(L=0)"]


def test_half_quorum_also_breaks_leader_has_quorum():
    r = check(ZkElection(quorum="half"), deadlock=False, invariants=["leader_has_quorum"])
    assert r.status == "violation" and len(r.violations[0].trace) <= 5


def test_no_fencing_trace_is_the_failed_proposer_joining_epoch_1():
    r = check(ZkElection(epoch_fencing=False, recovered_accepted=(0, 2, 0), max_crashes=0),
              deadlock=False, invariants=["no_stale_leader_accepted"])
    v = r.violations[0]
    last = v.trace[-1].state
    assert [s.action for s in v.trace[-2:]] == ["ack_epoch(f=1)", "sync_receive(f=1)"]
    assert (last.accepted_epoch[1], last.zab_epoch[1], last.zab_epoch[2]) == (2, 1, 1)  # leader 2 proposed epoch 1 to 1
    assert "follower 1 accepted epoch 2" in v.message


def test_stale_notification_is_delivered_before_the_newer_one():
    spec = ZkElection(stale_notifications=1, max_crashes=0)
    s = next(iter(spec.init()))
    s = spec.deliver(s, link=(2, 1))  # 1 adopts 2's vote and re-broadcasts; its old vote stays in transit
    assert s.in_transit[1 * 3 + 0] == (("LOOKING", 1, (0, (0, 0), 1)),) and s.queued[1 * 3 + 0] == ("LOOKING", 1, (0, (0, 0), 2))
    fifo = spec.deliver(s, link=(1, 0))
    assert fifo.vote[0] == (0, (0, 0), 1) and fifo.queued[3] is not None and fifo.in_transit[3] == ()
    skipped = spec.deliver(spec.supersede(s, link=(1, 0)), link=(1, 0))  # the old one never left 1's queue
    assert skipped.vote[0] == (0, (0, 0), 2) and skipped.queued[3] is None


def test_zk1154_needs_the_truncation_the_fix_added():
    # same bounds as the bug entry, correct sync: every invariant holds exhaustively
    r = check(ZkElection(recovered_logs=(1, 1, 2), max_crashes=0), deadlock=True)
    assert (r.status, r.distinct_states) == ("ok", 48738)


def test_recovered_logs_commit_point_is_the_majority_prefix():
    s = next(iter(ZkElection(recovered_logs=(1, 1, 2), max_crashes=0).init()))
    assert s.log == (((1, 1),), ((1, 1),), ((1, 1), (1, 2))) and s.fsynced == (1, 1, 2)
    assert s.last_committed == ((1, 1),) * 3 and s.committed == frozenset({(1, 1)})


@pytest.mark.parametrize(
    "constants, words",
    [
        (dict(servers=0), "servers=0 must be 1 to 7"),
        (dict(max_round=0), "max_round=0 must be at least 1 (boot itself is round 1)"),
        (dict(max_crashes=-1), "max_crashes=-1 must be at least 0"),
        (dict(stale_notifications=-1), "stale_notifications=-1 must be at least 0"),
    ],
)
def test_constants_out_of_range_are_refused_with_the_range(constants, words):
    with pytest.raises(SpecError, match="outside their declared range") as err:
        ZkElection(**constants)
    assert words in str(err.value)


@pytest.mark.parametrize(
    "constants, words",
    [
        (dict(max_writes=1, max_epoch=0), "max_epoch=0"),
        (dict(recovered_logs=(1, 2)), "one log length per server"),
        (dict(recovered_accepted=(0, 2)), "one acceptedEpoch per server"),
        (dict(recovered_logs=(1, 1, 1), recovered_accepted=(0, 2, 1)), ">= the currentEpoch on disk, 1"),
    ],
)
def test_bad_constants_are_refused_with_the_fix(constants, words):
    with pytest.raises(SpecError, match="Fix these constants") as err:
        ZkElection(**constants)
    assert words in str(err.value)


# Fresh-start witnesses: the two bugs that the default budget cannot reach, walked step by step from
# the initial state (no pre-staged disks). Exhaustive search does not get this deep here (the fence's
# cheapest configuration: 1.05 M states by depth 15, bench/zk_election_large.py), so these traces
# pin that the behaviours exist in the model and that the fixed switch blocks them.
FENCE_FROM_BOOT = [
    ("deliver", dict(link=(2, 1))), ("deliver", dict(link=(1, 2))), ("decide", dict(i=2)), ("decide", dict(i=1)),
    ("propose_epoch", dict(L=2)), ("crash", dict(i=2)),  # 2 keeps acceptedEpoch 1 (0 was still LOOKING)
    ("deliver", dict(link=(2, 0))), ("deliver", dict(link=(0, 2))), ("decide", dict(i=2)), ("decide", dict(i=0)),
    ("propose_epoch", dict(L=2)), ("crash", dict(i=2)),  # ... and now acceptedEpoch 2, still no ACKEPOCH
    ("lose_leader", dict(i=0)), ("lose_leader", dict(i=1)),  # round 2 without 2
    ("deliver", dict(link=(1, 0))), ("deliver", dict(link=(0, 1))),
    ("decide_before_news", dict(i=1)), ("decide_before_news", dict(i=0)),  # 2's round-1 vote still on its way
    ("propose_epoch", dict(L=1)), ("ack_epoch", dict(f=0)),  # epoch 1 established by 1 and 0
    ("deliver", dict(link=(2, 1))), ("deliver", dict(link=(2, 0))), ("deliver", dict(link=(1, 2))),
    ("deliver", dict(link=(0, 2))),  # 2 joins leader 1 through outofelection
    ("ack_epoch", dict(f=2)), ("sync_receive", dict(f=2)),
]
ZK4643_FROM_BOOT = [
    ("deliver", dict(link=(2, 1))), ("deliver", dict(link=(1, 2))), ("decide", dict(i=2)), ("decide", dict(i=1)),
    ("propose_epoch", dict(L=2)), ("ack_epoch", dict(f=1)), ("sync_receive", dict(f=1)), ("write_epoch", dict(f=1)),
    ("ack_newleader", dict(f=1)), ("uptodate", dict(f=1)),
    ("write", dict(L=2)), ("replicate", dict(f=1)), ("flush", dict(i=1)), ("flush", dict(i=2)),
    ("commit", dict(L=2)),  # (1,1) committed by 2 and 1; 0 is still LOOKING
    ("crash", dict(i=2)), ("deliver", dict(link=(2, 0))), ("deliver", dict(link=(0, 2))),
    ("decide", dict(i=2)), ("decide", dict(i=0)), ("propose_epoch", dict(L=2)), ("ack_epoch", dict(f=0)),
    ("sync_receive", dict(f=0)), ("write_epoch", dict(f=0)), ("crash", dict(i=0)),  # epoch 2 on disk, (1,1) not
    ("lose_leader", dict(i=1)), ("deliver", dict(link=(1, 0))), ("deliver", dict(link=(0, 1))),
    ("deliver", dict(link=(1, 0))), ("decide", dict(i=0)), ("decide", dict(i=1)),  # 0's peerEpoch 2 wins
    ("propose_epoch", dict(L=0)), ("ack_epoch", dict(f=1)),
]


def walk(spec: ZkElection, steps: list) -> list:
    """The states of `steps` from the initial state; fails at the first step that is not enabled."""
    states = [next(iter(spec.init()))]
    for k, (name, args) in enumerate(steps):
        nxt = getattr(spec, name)(states[-1], **args)
        assert nxt is not None, f"step {k + 1}, {name}({args}), is not enabled"
        states.append(nxt)
    return states


def test_the_fence_bug_is_reachable_from_a_fresh_start():
    spec = ZkElection(epoch_fencing=False, max_crashes=2, max_round=2, max_writes=0)
    states = walk(spec, FENCE_FROM_BOOT)
    assert len(states) == 27
    assert "follower 2 accepted epoch 2" in str(spec.no_stale_leader_accepted(states[-1]))
    assert all(spec.no_stale_leader_accepted(s) is True for s in states[:-1])
    assert spec._fence_decides(states[-3])  # the fence's premise, just before ack_epoch(f=2)
    fenced = ZkElection(max_crashes=2, max_round=2, max_writes=0)
    refused = fenced.ack_epoch(walk(fenced, FENCE_FROM_BOOT[:-2])[-1], f=2)
    assert refused.zab_phase[2] == CLOSED  # "Leaders epoch, 1 is less than accepted epoch, 2"


def test_zk4643_is_reachable_from_a_fresh_start():
    spec = ZkElection(epoch_before_txns=True, max_crashes=2, max_round=2, max_epoch=3)
    states = walk(spec, ZK4643_FROM_BOOT)
    assert len(states) == 34
    assert "leader 0 of epoch 3 lacks committed [(1, 1)]" in str(spec.leader_has_latest_committed(states[-1]))
    assert all(spec.leader_has_latest_committed(s) is True for s in states[:-1])
    # the fixed order logs (and fsyncs) the DIFF before writing currentEpoch: the bug's step is not enabled
    fixed = ZkElection(max_crashes=2, max_round=2, max_epoch=3)
    before_write_epoch = walk(fixed, ZK4643_FROM_BOOT[:23])[-1]
    assert fixed.write_epoch(before_write_epoch, f=0) is None and fixed.log_synced(before_write_epoch, f=0) is not None
