"""The Kafka transactions model: exactly-once consume-transform-produce holds exhaustively
under a producer restart (zombie), a coordinator failover and a lost response; each switch
breaks the invariant it should with a short trace, and every trace replays."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from spec.kafka_transactions import OFFSETS, KafkaTransactions
from tests.helpers import actions, first_violation


def run(spec, *steps):
    """Apply (action, args) steps from the initial state; each must be enabled."""
    s = next(iter(spec.init()))
    for name, args in steps:
        s = getattr(spec, name)(s, **args)
        assert s is not None, f"{name}({args}) not enabled"
    return s


# -- the safe configurations -------------------------------------------------------------------


def test_safe_default_is_exhaustive_and_clean():
    spec = KafkaTransactions()
    assert (spec.inputs, spec.restarts, spec.failovers, spec.lost_responses) == (2, 1, 1, 1)
    assert (spec.fencing, spec.isolation, spec.offsets_in_transaction, spec.kip890, spec.timeouts) == (
        True, "read_committed", True, True, 0)


def test_without_faults_the_state_space_is_small():
    """The default (118,072 states, about 20 s) runs in `protocheck ci`; without failover and
    lost responses the same protocol is small enough for the test suite."""
    r = check(KafkaTransactions(failovers=0, lost_responses=0))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 10258, 29261, 39)
    assert r.never_fired == ["abort_txn", "commit_offsets", "coordinator_failover"]


PRODUCE_0 = [("init_producer_id", dict(i=0)), ("fetch_offset", dict(i=0)), ("begin", dict(i=0)),
             ("add_partitions", dict(i=0, p=0, lost=False))]


def test_add_partitions_then_the_produce_request_is_in_flight():
    spec = KafkaTransactions()
    s = run(spec, *PRODUCE_0)
    assert (s.tc_state, s.tc_parts, s.added[0], s.inflight) == ("Ongoing", (0,), (0,), ((0, 0, 0, 0, 1),))
    assert s.logs[0] == () and spec.commit_txn(s, i=0, lost=False) is None  # not acknowledged: cannot commit


def test_a_retried_write_after_a_lost_response_is_not_appended_twice():
    spec = KafkaTransactions()
    s = run(spec, *PRODUCE_0, ("deliver_produce", dict(m=(0, 0, 0, 0, 1), lost=True)))
    assert len(s.logs[0]) == 1 and s.done[0] == () and s.lost == 0 and s.inflight  # written, the client retries
    s = spec.deliver_produce(s, m=(0, 0, 0, 0, 1), lost=False)
    assert len(s.logs[0]) == 1 and s.done[0] == (0,)  # the retry is a duplicate: acknowledged, not appended


def test_kip890_holds_with_a_timed_out_request():
    """A produce request outlives its transaction (timeout, abort, markers): the partition
    leader's verification with the TC refuses it, exhaustively."""
    r = check(KafkaTransactions(timeouts=1, restarts=0))
    assert (r.status, r.distinct_states, r.depth) == ("ok", 26688, 38)
    spec = KafkaTransactions(timeouts=1)
    s = run(spec, *PRODUCE_0, ("abort_txn", dict(i=0)), ("write_marker", dict(p=0)))
    s = spec.deliver_produce(s, m=(0, 0, 0, 0, 1), lost=False)
    assert s.logs[0] == () and s.inflight == () and s.phase[0] == "ready"  # INVALID_TXN_STATE, nothing appended


def test_pre_kip890_a_late_produce_hangs_the_transaction():
    v = first_violation(KafkaTransactions(kip890=False, timeouts=1), "no_write_after_marker")
    assert len(v.trace) == 8 and actions(v)[-3:] == [
        "abort_txn(i=0)", "write_marker(p=0)", "deliver_produce(m=(0, 0, 0, 0, 1), lost=False)"]
    assert "after the marker of transaction 1 (LSO stuck at 0)" in v.message
    spec = KafkaTransactions(kip890=False, timeouts=1)
    last = v.trace[-1].state
    assert spec.last_stable_offset(last, 0) == 0 and spec.visible(last, 0) == ()  # read_committed readers are stuck


def test_pre_kip890_the_next_commit_marker_commits_the_aborted_record():
    """Checked without the proxy, the hanging record is settled by the next transaction's
    commit marker: the aborted input's output commits twice."""
    v = first_violation(KafkaTransactions(kip890=False, timeouts=1, restarts=0, failovers=0, lost_responses=0),
                        "exactly_once_processing")
    assert len(v.trace) == 17 and actions(v)[-1] == "write_marker(p=0)"
    assert "the committed output of input 0 appears twice" in v.message


def test_pre_kip890_a_hanging_transaction_blocks_the_run_for_good():
    """Without fault budgets to hide it: the LSO never moves past the hanging record, so the
    run cannot end (a deadlock, the liveness symptom)."""
    r = check(KafkaTransactions(kip890=False, timeouts=1, restarts=0, failovers=0, lost_responses=0),
              invariants=["read_committed_isolation"])
    assert r.status == "deadlock" and len(r.violation.trace) == 31
    last = r.violation.trace[-1].state
    assert [rec.status for rec in last.logs[0]][-1] == "open" and last.tc_state == "CompleteCommit"


def test_pre_kip890_the_last_stable_offset_never_passes_the_hanging_record():
    """KIP-890's hanging transaction as the liveness bug: the timed-out request of transaction 1
    lands after transaction 2's marker on out0; nothing will ever settle it, and the behaviour
    ends there (the lasso's last state stutters for ever) with out0's LSO stuck."""
    r = check(KafkaTransactions(kip890=False, timeouts=1, restarts=0, failovers=0, lost_responses=0, inputs=1),
              invariants=[], deadlock=False)
    v = r.violation
    assert (r.status, r.distinct_states, r.transitions) == ("violation", 1448, 3021)
    assert (v.kind, v.name, len(v.trace), v.loop, v.loop_step) == ("liveness", "last_stable_offset_passes", 20, 19, None)
    assert v.message.startswith("last_stable_offset_passes(p=0) ([]<>P)")
    assert actions(v)[-5:] == ["write_marker(p=0)", "deliver_produce(m=(0, 0, 0, 0, 1), lost=False)",
                               "write_marker(p=1)", "write_marker(p=2)", "complete_txn"]
    last = v.trace[-1].state
    assert [(rec.tx, rec.status, rec.late) for rec in last.logs[0]] == [(2, "committed", False), (1, "open", True)]
    fixed = check(KafkaTransactions(timeouts=1, restarts=0, failovers=0, lost_responses=0, inputs=1))
    assert (fixed.status, fixed.distinct_states) == ("ok", 902)
    assert fixed.properties == ["transactions_complete", "last_stable_offset_passes(p=0)",
                                "last_stable_offset_passes(p=1)", "last_stable_offset_passes(p=2)"]


def test_a_new_instance_aborts_the_open_transaction_and_fences_the_old_one():
    spec = KafkaTransactions()
    s = run(
        spec, *PRODUCE_0, ("deliver_produce", dict(m=(0, 0, 0, 0, 1), lost=False)),
        ("send_offsets", dict(i=0, lost=False)), ("restart", dict(i=1)), ("init_producer_id", dict(i=1)),
    )
    assert (s.tc_state, s.tc_epoch, s.pending) == ("PrepareAbort", 1, (0, OFFSETS))
    assert spec.fetch_offset(s, i=1) is None  # the pending offset commit is unstable until the abort marker
    assert spec.add_partitions(s, i=0, p=1, lost=False).phase[0] == "fenced"  # PRODUCER_FENCED from the TC


def test_coordinator_failover_resends_the_markers():
    spec = KafkaTransactions()
    s = run(
        spec, *PRODUCE_0, ("add_partitions", dict(i=0, p=1, lost=False)), ("deliver_produce", dict(m=(0, 0, 0, 0, 1), lost=False)),
        ("deliver_produce", dict(m=(0, 1, 0, 0, 1), lost=False)), ("send_offsets", dict(i=0, lost=False)),
        ("commit_txn", dict(i=0, lost=False)), ("write_marker", dict(p=0)), ("coordinator_failover", {}),
    )
    assert s.pending == (0, 1, OFFSETS)  # out0's marker is written again: it finds nothing open
    for p in (0, 1, OFFSETS):
        s = spec.write_marker(s, p=p)
    s = spec.complete_txn(s)
    assert s.tc_state == "CompleteCommit" and all(r.status == "committed" for log in s.logs for r in log)


# -- the bug switches --------------------------------------------------------------------------


def test_without_fencing_a_zombie_write_commits():
    v = first_violation(KafkaTransactions(fencing=False), "no_zombie_writes")
    assert actions(v) == [
        "restart(i=1)", "init_producer_id(i=0)", "init_producer_id(i=1)", "fetch_offset(i=0)", "begin(i=0)",
        "add_partitions(i=0, p=0, lost=False)", "add_partitions(i=0, p=1, lost=False)",
        "deliver_produce(m=(0, 0, 0, 0, 1), lost=False)", "deliver_produce(m=(0, 1, 0, 0, 1), lost=False)",
        "send_offsets(i=0, lost=False)", "commit_txn(i=0, lost=False)",
    ]
    assert "written after a newer instance had initialised" in v.message
    # with fencing, the newer InitProducerId bumps the epoch and AddPartitionsToTxn is refused
    fenced = KafkaTransactions()
    late = run(fenced, *((s.name, s.args) for s in v.trace[1:6]))
    assert fenced.add_partitions(late, i=0, p=0, lost=False).phase[0] == "fenced"


def test_without_fencing_a_zombie_finishes_half_an_aborted_transaction():
    """The new instance's InitProducerId aborts the zombie's transaction (out0 written) but
    keeps the epoch; the zombie goes on, its out1 and offset join a fresh transaction and
    commit: input 0 is consumed with no committed output in out0."""
    v = first_violation(KafkaTransactions(fencing=False), "atomic_commit")
    assert actions(v)[4:11] == [
        "add_partitions(i=0, p=0, lost=False)", "deliver_produce(m=(0, 0, 0, 0, 1), lost=False)", "init_producer_id(i=1)",
        "write_marker(p=0)", "complete_txn", "add_partitions(i=0, p=1, lost=False)", "deliver_produce(m=(0, 1, 0, 0, 2), lost=False)",
    ]
    assert len(v.trace) == 14 and "not its part in ['out0']" in v.message
    assert not KafkaTransactions(fencing=False).exactly_once_processing(v.trace[-1].state)


def test_read_uncommitted_sees_an_open_transaction():
    v = first_violation(KafkaTransactions(isolation="read_uncommitted"), "read_committed_isolation")
    assert actions(v) == ["init_producer_id(i=0)", "fetch_offset(i=0)", "begin(i=0)", "add_partitions(i=0, p=0, lost=False)",
                          "deliver_produce(m=(0, 0, 0, 0, 1), lost=False)"]
    assert "while its transaction is open" in v.message


def test_offsets_outside_the_transaction_reprocess_after_a_crash():
    """commitTransaction() succeeds, the instance dies before commitSync(); its replacement
    starts from the old offset and commits the same output again."""
    v = first_violation(KafkaTransactions(offsets_in_transaction=False), "exactly_once_processing")
    assert len(v.trace) == 21
    assert "commit_offsets" not in [s.name for s in v.trace]
    assert actions(v)[-3:] == ["deliver_produce(m=(1, 0, 0, 1, 2), lost=False)", "deliver_produce(m=(1, 1, 0, 1, 2), lost=False)",
                               "commit_txn(i=1, lost=False)"]
    assert "the committed output of input 0 appears twice" in v.message


def test_offsets_outside_the_transaction_are_not_atomic():
    v = first_violation(KafkaTransactions(offsets_in_transaction=False), "atomic_commit")
    assert actions(v)[-1] == "commit_txn(i=0, lost=False)" and len(v.trace) == 9
    assert "not its part in ['offsets']" in v.message


# -- configuration errors ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [dict(inputs=0), dict(restarts=-1), dict(lost_responses=-1), dict(timeouts=-1)])
def test_bad_constants_are_refused_with_the_fix(bad):
    with pytest.raises(SpecError, match="inputs=2"):
        KafkaTransactions(**bad)


def test_a_transaction_split_between_commit_and_abort_is_reported():
    """No switch splits one transaction's outcome (the TC decides once), so check the
    invariant against a state where out1 was aborted under a committed transaction."""
    spec = KafkaTransactions()
    s = run(
        spec, *PRODUCE_0, ("add_partitions", dict(i=0, p=1, lost=False)), ("deliver_produce", dict(m=(0, 0, 0, 0, 1), lost=False)),
        ("deliver_produce", dict(m=(0, 1, 0, 0, 1), lost=False)), ("send_offsets", dict(i=0, lost=False)),
        ("commit_txn", dict(i=0, lost=False)),
    )
    assert spec.atomic_commit(s) and spec.exactly_once_processing(s)
    split = s._replace(logs=(s.logs[0], (s.logs[1][0]._replace(status="aborted"),), s.logs[2]))
    assert "committed in ['out0', 'offsets'] but aborted in ['out1']" in spec.atomic_commit(split).reason


def test_exercised_premises_say_when_an_invariant_has_something_to_check():
    from checker.spec import describe

    premise = describe(KafkaTransactions).exercised
    assert set(premise) == {"atomic_commit", "exactly_once_processing", "no_zombie_writes",
                            "read_committed_isolation", "no_write_after_marker"}
    spec = KafkaTransactions(kip890=False, timeouts=1)
    s0 = next(iter(spec.init()))
    assert not any(p(spec, s0) for p in premise.values())
    v = first_violation(spec, "no_write_after_marker")
    assert premise["no_write_after_marker"](spec, v.trace[-1].state)
    assert not premise["no_zombie_writes"](spec, v.trace[-1].state)  # no zombie in that trace
    v = first_violation(KafkaTransactions(fencing=False), "no_zombie_writes")
    assert premise["no_zombie_writes"](spec, v.trace[-1].state)
