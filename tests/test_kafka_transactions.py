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
    assert (spec.fencing, spec.isolation, spec.offsets_in_transaction) == (True, "read_committed", True)
    r = check(spec)
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 34266, 127048, 34)
    assert r.never_fired == ["commit_offsets"]  # only used with offsets_in_transaction=False


def test_without_faults_the_state_space_is_small():
    r = check(KafkaTransactions(failovers=0, lost_responses=0))
    assert (r.status, r.distinct_states, r.generated_states, r.depth) == ("ok", 3014, 7435, 33)


def test_a_retried_write_after_a_lost_response_is_not_appended_twice():
    spec = KafkaTransactions()
    s = run(spec, ("init_producer_id", dict(i=0)), ("fetch_offset", dict(i=0)), ("begin", dict(i=0)), ("produce", dict(i=0, p=0, lost=True)))
    assert len(s.logs[0]) == 1 and s.done[0] == () and s.lost == 0  # written, but the client does not know
    s = spec.produce(s, i=0, p=0, lost=False)
    assert len(s.logs[0]) == 1 and s.done[0] == (0,)  # the retry is a duplicate: acknowledged, not appended


def test_a_new_instance_aborts_the_open_transaction_and_fences_the_old_one():
    spec = KafkaTransactions()
    s = run(
        spec, ("init_producer_id", dict(i=0)), ("fetch_offset", dict(i=0)), ("begin", dict(i=0)), ("produce", dict(i=0, p=0, lost=False)),
        ("send_offsets", dict(i=0, lost=False)), ("restart", dict(i=1)), ("init_producer_id", dict(i=1)),
    )
    assert (s.tc_state, s.tc_epoch, s.pending) == ("PrepareAbort", 1, (0, OFFSETS))
    assert spec.fetch_offset(s, i=1) is None  # the pending offset commit is unstable until the abort marker
    assert spec.produce(s, i=0, p=1, lost=False).st[0] == "fenced"  # PRODUCER_FENCED from the TC


def test_coordinator_failover_resends_the_markers():
    spec = KafkaTransactions()
    s = run(
        spec, ("init_producer_id", dict(i=0)), ("fetch_offset", dict(i=0)), ("begin", dict(i=0)),
        ("produce", dict(i=0, p=0, lost=False)), ("produce", dict(i=0, p=1, lost=False)), ("send_offsets", dict(i=0, lost=False)),
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
        "produce(i=0, p=0, lost=False)", "produce(i=0, p=1, lost=False)", "send_offsets(i=0, lost=False)", "commit_txn(i=0, lost=False)",
    ]
    assert "written after a newer instance had initialised" in v.message
    # with fencing, the newer InitProducerId bumps the epoch and that produce is refused
    fenced = KafkaTransactions()
    assert fenced.produce(run(fenced, *((s.name, s.args) for s in v.trace[1:6])), i=0, p=0, lost=False).st[0] == "fenced"


def test_without_fencing_a_zombie_finishes_half_an_aborted_transaction():
    """The new instance's InitProducerId aborts the zombie's transaction (out0 written) but
    keeps the epoch; the zombie goes on, its out1 and offset join a fresh transaction and
    commit: input 0 is consumed with no committed output in out0."""
    v = first_violation(KafkaTransactions(fencing=False), "atomic_commit")
    assert actions(v)[4:9] == [
        "produce(i=0, p=0, lost=False)", "init_producer_id(i=1)", "write_marker(p=0)", "complete_txn", "produce(i=0, p=1, lost=False)",
    ]
    assert len(v.trace) == 12 and "not its part in ['out0']" in v.message
    assert not KafkaTransactions(fencing=False).exactly_once_processing(v.trace[-1].state)


def test_read_uncommitted_sees_an_open_transaction():
    v = first_violation(KafkaTransactions(isolation="read_uncommitted"), "read_committed_isolation")
    assert actions(v) == ["init_producer_id(i=0)", "fetch_offset(i=0)", "begin(i=0)", "produce(i=0, p=0, lost=False)"]
    assert "while its transaction is open" in v.message


def test_offsets_outside_the_transaction_reprocess_after_a_crash():
    """commitTransaction() succeeds, the instance dies before commitSync(); its replacement
    starts from the old offset and commits the same output again."""
    v = first_violation(KafkaTransactions(offsets_in_transaction=False), "exactly_once_processing")
    assert len(v.trace) == 17
    assert "commit_offsets" not in [s.name for s in v.trace]
    assert actions(v)[-5:] == ["fetch_offset(i=1)", "begin(i=1)", "produce(i=1, p=0, lost=False)", "produce(i=1, p=1, lost=False)", "commit_txn(i=1, lost=False)"]
    assert "the committed output of input 0 appears twice" in v.message


def test_offsets_outside_the_transaction_are_not_atomic():
    v = first_violation(KafkaTransactions(offsets_in_transaction=False), "atomic_commit")
    assert actions(v)[-1] == "commit_txn(i=0, lost=False)" and len(v.trace) == 7
    assert "not its part in ['offsets']" in v.message


# -- configuration errors ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [dict(inputs=0), dict(restarts=-1), dict(lost_responses=-1)])
def test_bad_constants_are_refused_with_the_fix(bad):
    with pytest.raises(SpecError, match="inputs=2"):
        KafkaTransactions(**bad)


def test_a_transaction_split_between_commit_and_abort_is_reported():
    """No switch splits one transaction's outcome (the TC decides once), so check the
    invariant against a state where out1 was aborted under a committed transaction."""
    spec = KafkaTransactions()
    s = run(
        spec, ("init_producer_id", dict(i=0)), ("fetch_offset", dict(i=0)), ("begin", dict(i=0)),
        ("produce", dict(i=0, p=0, lost=False)), ("produce", dict(i=0, p=1, lost=False)), ("send_offsets", dict(i=0, lost=False)),
        ("commit_txn", dict(i=0, lost=False)),
    )
    assert spec.atomic_commit(s) and spec.exactly_once_processing(s)
    split = s._replace(logs=(s.logs[0], (s.logs[1][0]._replace(status="aborted"),), s.logs[2]))
    assert "committed in ['out0', 'offsets'] but aborted in ['out1']" in spec.atomic_commit(split).reason
