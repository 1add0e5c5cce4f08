"""The Kafka producer model: the safe default is exhaustive and clean, each bug switch
breaks the invariant it should with a short trace, and every trace replays."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from checker.testing import assert_holds, assert_violates
from spec.kafka_producer import KafkaProducer, partition_of, producer_state
from tests.helpers import actions


# -- the safe configurations -------------------------------------------------------------------


def test_safe_default_is_exhaustive_and_clean():
    spec = KafkaProducer()
    assert (spec.records, spec.partitions, spec.max_in_flight, spec.idempotence, spec.lossy_network) == (3, 1, 5, True, True)
    r = assert_holds(spec)
    assert (r.distinct_states, r.generated_states, r.depth) == (12450, 39405, 32)
    assert all(c.fired for name, c in r.coverage.items() if name != "restart_producer")
    # liveness, checked by default: every batch is eventually acknowledged, faults unforced
    assert r.properties == ["batch_acknowledged(r=0)", "batch_acknowledged(r=1)", "batch_acknowledged(r=2)"]
    assert r.transitions == 39404 and not r.vacuous


def test_without_the_follower_fetching_an_acks_all_batch_waits_for_ever():
    """The fairness matters: with `replicate` not fair the high watermark may never pass the
    first batch, whose success is held back (acks=all) — a lasso that stutters at its end."""
    import attrs
    from checker import action

    @attrs.frozen
    class LazyFollower(KafkaProducer):
        @action(p=lambda spec, s: range(spec.partitions))
        def replicate(self, s, p):
            return KafkaProducer.replicate(self, s, p)

    r = check(LazyFollower(records=1), invariants=[])
    v = r.violation
    assert (r.status, r.distinct_states, v.kind, v.name, len(v.trace), v.loop, v.loop_step) == (
        "violation", 118, "liveness", "batch_acknowledged", 3, 2, None)
    assert actions(v) == ["send(p=0)", "leader_append(p=0)"]  # then the response waits for the hw


def test_five_in_flight_suffice_for_six_records():
    """The 5-batch cache covers a full window: 6 records through 5 in-flight requests."""
    r = assert_holds(KafkaProducer(records=6, max_in_flight=5, retries=1, max_failovers=0))
    assert (r.distinct_states, r.generated_states, r.depth) == (32965, 92269, 40)


def test_restarted_producer_fences_the_zombie():
    r = assert_holds(KafkaProducer(retries=1, max_failovers=0, producer_restarts=1), invariants=["zombie_fenced", "per_partition_fifo"])
    assert r.distinct_states == 15714


def test_one_in_flight_keeps_order_without_idempotence():
    r = assert_holds(KafkaProducer(idempotence=False, max_in_flight=1, retries=1, max_failovers=0), invariants=["per_partition_fifo", "no_gaps"])
    assert r.distinct_states == 617


def test_keys_pin_records_to_partitions():
    assert partition_of(4, 2, 2, ()) == (0, 1, 0, 1)
    assert partition_of(4, 3, 1, ()) == (0, 0, 0, 0)  # one key: one partition
    assert partition_of(3, 2, 0, ()) == (0, 1, 0)  # keyless: round robin
    assert partition_of(3, 2, 1, (1, -1, -1)) == (1, 0, 0)  # explicit partition wins
    assert_holds(KafkaProducer(records=4, partitions=2, keys=2, retries=1, max_failovers=0))


def test_leader_rebuilds_a_cache_of_five_batches_of_the_latest_epoch():
    log = tuple((r, 0, r) for r in range(6)) + ((9, 1, 0),)
    assert producer_state(log[:6]) == (0, tuple((q, q) for q in range(1, 6)))
    assert producer_state(log) == (1, ((0, 6),))
    assert producer_state(()) == (None, ())


# -- the bug switches --------------------------------------------------------------------------


def test_retries_without_idempotence_duplicate():
    v = assert_violates(KafkaProducer(idempotence=False, max_failovers=0), "no_duplicates")
    # send · leader_append · disconnect (response lost) · send (retry) · leader_append
    assert len(v.trace) == 6 and "disconnect(p=0)" in actions(v) and actions(v).count("send(p=0)") == 2
    assert v.trace[-1].state.log[0] == ((0, 0, -1), (0, 0, -1))


def test_in_flight_without_idempotence_reorders():
    v = assert_violates(KafkaProducer(idempotence=False, max_in_flight=2, max_failovers=0), "per_partition_fifo")
    # send b0 · send b1 · leader_error(b0) · receive (retry b0) · send b0 · leader_append b1 · leader_append b0
    assert len(v.trace) == 8 and "leader_error(p=0)" in actions(v)
    assert [e[0] for e in v.trace[-1].state.log[0]] == [1, 0]


def test_six_in_flight_outrun_the_five_batch_cache():
    """b0's retry is older than the cache: OUT_OF_ORDER_SEQUENCE on the next-in-line batch
    makes the client bump its epoch and resend from sequence 0, which the leader appends."""
    spec = KafkaProducer(records=6, max_in_flight=6, retries=1, max_failovers=0)
    v = assert_violates(spec, "no_duplicates")
    assert len(v.trace) == 19
    assert actions(v)[12:] == ["disconnect(p=0)", "send(p=0)", "leader_append(p=0)", "receive(p=0)", "send(p=0)", "leader_append(p=0)"]
    assert v.trace[-1].state.log[0] == tuple((r, 0, r) for r in range(6)) + ((0, 1, 0),)
    once = assert_violates(spec, "exactly_once_per_partition")  # all acknowledged, the whole window twice
    assert len(once.trace) == 35 and [e[0] for e in once.trace[-1].state.log[0]] == [0, 1, 2, 3, 4, 5] * 2
    held = assert_holds(spec, invariants=["per_partition_fifo", "no_gaps", "zombie_fenced"])  # what does not break
    assert held.distinct_states == 36100


def test_leader_accepting_any_first_sequence_loses_order():
    """KAFKA-14359 / KAFKA-15591: before the fix an unknown producer's seq 1 is appended
    after its seq 0 failed with a retriable error; seq 0 then spins on OUT_OF_ORDER."""
    v = assert_violates(KafkaProducer(strict_first_seq=False, max_failovers=0), "no_gaps")
    assert actions(v) == ["send(p=0)", "send(p=0)", "leader_error(p=0)", "leader_append(p=0)"]
    assert v.trace[-1].state.log[0] == ((1, 0, 1),)


def test_idempotence_is_per_producer_session():
    v = assert_violates(KafkaProducer(producer_restarts=1, max_failovers=0, retries=1), "no_duplicates")
    # the old instance writes record 0 (its ack lost to the restart), the new one resends it
    assert len(v.trace) == 6 and "restart_producer" in actions(v)
    assert v.trace[-1].state.log[0] == ((0, 0, 0), (0, 1, 0))


def test_zombie_without_idempotence_is_not_fenced():
    v = assert_violates(KafkaProducer(idempotence=False, producer_restarts=1, max_failovers=0), "zombie_fenced")
    assert len(v.trace) == 6 and actions(v)[-1].startswith("leader_append_late")
    assert v.trace[-1].state.log[0] == ((0, 1, -1), (0, 0, -1))


def test_bad_constants_are_explained():
    with pytest.raises(SpecError, match="max_in_flight=0 must be at least 1"):
        KafkaProducer(max_in_flight=0)
    with pytest.raises(SpecError, match="explicit"):
        KafkaProducer(records=2, explicit=(0,))


def test_sequence_diagram_of_the_duplicate_without_idempotence():
    """The `--html` sequence diagram (spec/kafka_producer_flow.py) tells the duplicate's story."""
    from reports.flow import flows

    spec = KafkaProducer(idempotence=False, max_failovers=0)
    v = assert_violates(spec, "no_duplicates")
    assert flows(spec, v.trace) == [
        None,
        ("producer", "leader", "Produce b0"),
        ("leader", "leader", "b0 appended at offset 0"),
        ("producer", "producer", "connection dropped: in-flight batches retried"),
        ("producer", "leader", "Produce b0"),
        ("leader", "leader", "b0 appended at offset 1"),
    ]
