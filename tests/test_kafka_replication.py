"""The Kafka replication model: the safe defaults are exhaustive and clean; each durability
setting and each historical truncation rule breaks what it broke in Kafka, at the smallest
configuration, with a short trace that replays; KIP-320 passes the same configurations."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from invariants import replication as inv
from spec.kafka_replication import KafkaReplication
from tests.helpers import replays

DEFAULT_COUNTS = (58151, 254860, 38)  # 2 replicas; 3 replicas: bench/kafka_replication_bugs.py


def violation(spec: KafkaReplication, invariant: str | None = None):
    r = check(spec, invariants=[invariant] if invariant else None)
    assert r.status == "violation", r.status
    assert replays(spec, r.violation.trace)
    return r.violation


def names(v) -> list[str]:
    return [s.name for s in v.trace[1:]]


def ok(spec: KafkaReplication):
    r = check(spec)
    assert r.status == "ok", (r.status, r.violation and r.violation.message)
    return r


# -- the promise where Kafka makes it ----------------------------------------------------------


def test_safe_defaults_are_exhaustive_and_clean():
    spec = KafkaReplication()
    assert (spec.replicas, spec.records, spec.max_crashes, spec.acks, spec.min_insync) == (2, 2, 1, "all", 2)
    assert (spec.unclean_election, spec.truncation, spec.lose_unflushed, spec.max_leader_epoch) == (False, "kip320", False, 1)
    assert (spec.maximal_isr, spec.hw_before_truncation, spec.elr) == (True, False, False)
    r = ok(spec)
    assert (r.distinct_states, r.generated_states, r.depth) == DEFAULT_COUNTS
    # liveness, checked by default (the symmetry of 2 replicas is the identity: not refused)
    assert r.properties == ["acked_below_hw_everywhere(rec=1)", "acked_below_hw_everywhere(rec=2)",
                            "produce_answered(rec=1)", "produce_answered(rec=2)"]
    assert r.transitions == 254859 and not r.vacuous


def test_fetch_offsets_come_from_requests():
    """The leader learns a follower's log end only from its next fetch request: after the
    follower appended record 1 the leader still counts offset 0, so the hw cannot pass it."""
    spec = KafkaReplication()
    s = next(iter(spec.init()))
    s = spec.produce(s, r=0)
    s = spec.handle_fetch(s, f=1)  # request at offset 0: recorded, answered with record 1
    assert s.fetch_offsets[0][1] == 0 and s.log[1] == () and spec.advance_hw(s, ldr=0) is None
    s = spec.receive_fetch(s, f=1)  # applied; the next request (offset 1) goes out at once
    assert s.log[1] == ((1, 0),) and s.fetch[1][:3] == (1, 0, 1) and spec.advance_hw(s, ldr=0) is None
    s = spec.advance_hw(spec.handle_fetch(s, f=1), ldr=0)
    assert s.hw[0] == 1 and s.acked == (1,)


def test_an_isr_change_is_an_alter_partition_in_flight():
    """The shrink is proposed, accepted by the controller, then learnt by the leader; until
    accepted the leader's hw still waits for the follower (maximal ISR)."""
    spec = KafkaReplication()
    s = spec.produce(next(iter(spec.init())), r=0)
    s = spec.shrink_isr(s, ldr=0, f=1)
    assert s.alter_in_flight[0][:2] == (0, (0,)) and s.controller_isr == (0, 1) and spec.hw_members(s, 0) == (0, 1)
    assert spec.advance_hw(s, ldr=0) is None
    s = spec.alter_partition(s, ldr=0)
    assert s.controller_isr == (0,) and s.isr[0] == (0, 1) and spec.hw_members(s, 0) == (0,)
    s = spec.alter_partition_response(s, ldr=0)
    assert s.isr[0] == (0,) and s.alter_in_flight[0] == ()
    assert spec.produce(s, r=0) is None  # NOT_ENOUGH_REPLICAS: the ISR is below min_insync


def test_a_crash_restores_the_checkpointed_hw():
    spec = KafkaReplication()
    s = next(iter(spec.init()))._replace(log=(((1, 0),), ((1, 0),)), hw=(1, 1), hw_checkpoint=(0, 0))
    assert spec.crash(s, r=1, lost=0).hw[1] == 0
    s = spec.checkpoint_hw(s, r=1)
    assert s.hw_checkpoint[1] == 1 and spec.crash(s, r=1, lost=0).hw[1] == 1


# -- durability settings -----------------------------------------------------------------------


def test_acks_1_new_leader_lacks_an_acknowledged_record():
    spec = KafkaReplication(acks="1")
    v = violation(spec)
    assert v.name == "no_acked_loss" and len(v.trace) == 4
    assert names(v) == ["produce", "move_leadership", "become_leader"]


def test_acks_1_leader_crash_before_any_fetch_loses_the_record():
    """The classic path: the leader crashes before the follower fetched."""
    spec = KafkaReplication(acks="1")
    s = next(iter(spec.init()))
    for act, args in [("produce", {"r": 0}), ("crash", {"r": 0, "lost": 0}), ("elect", {"new": 1})]:
        s = getattr(spec, act)(s, **args)
        assert s is not None and spec.no_acked_loss(s)
    s = spec.become_leader(s, req=s.requests[-1])
    assert not spec.no_acked_loss(s)


def test_unclean_election_loses_an_acknowledged_record():
    """Two replicas when the leader may acknowledge alone (min_insync=1, which with clean
    election loses nothing: `kafka-replication-min-insync-1-clean`); with min_insync=2 it
    takes 3 replicas (14 states, 99,745 states explored)."""
    v = violation(KafkaReplication(unclean_election=True, min_insync=1), "no_acked_loss")
    assert len(v.trace) == 8
    assert names(v)[-3:] == ["crash", "elect", "become_leader"]
    last = v.trace[-1].state
    assert last.controller_isr == (last.controller_leader,)  # unclean: the new leader is the whole ISR


def test_min_insync_1_needs_one_lossy_crash_and_one_record():
    v = violation(KafkaReplication(min_insync=1, lose_unflushed=True, records=1))
    assert v.name == "no_acked_loss" and len(v.trace) == 8
    assert "shrink_isr" in names(v) and "crash" in names(v)


def test_last_replica_standing_and_kip966_elr():
    """min_insync=2, one lossy crash, one record: acknowledged while the shrink to the leader
    was in flight, then the leader (last ISR member) loses it and is re-elected. KIP-966's
    ELR keeps the follower eligible and refuses the unclean leader."""
    v = violation(KafkaReplication(lose_unflushed=True, records=1), "no_acked_loss")
    assert len(v.trace) == 11
    assert names(v)[-3:] == ["crash", "restart", "become_leader"]
    assert v.trace[-1].state.controller_isr == (v.trace[-1].state.controller_leader,)
    elr = KafkaReplication(lose_unflushed=True, records=1, elr=True)
    r = check(elr, invariants=["no_acked_loss"], liveness=False)
    assert (r.status, r.distinct_states) == ("ok", 6953)
    # KIP-966 buys that with availability: the hw waits for the ISR to regain min_insync, and
    # with the dead broker never back an acknowledged record never gets below the new leader's hw
    v = check(elr, invariants=[], properties=["acked_below_hw_everywhere"]).violation
    assert (v.kind, v.name, len(v.trace), v.loop, v.loop_step) == ("liveness", "acked_below_hw_everywhere", 9, 8, None)
    assert names(v)[-3:] == ["crash", "elect", "become_leader"] and v.trace[-1].state.controller_isr == (1,)


def test_kip903_refuses_a_replica_that_restarted_since_its_fetch():
    """The expansion names the follower's broker epoch from its fetch; after a restart the
    controller rejects it (otherwise ELR loses a record the follower's lossy restart dropped)."""
    spec = KafkaReplication()
    s = next(iter(spec.init()))._replace(isr=((0,),) + ((),), controller_isr=(0,))
    s = spec.handle_fetch(s, f=1)  # offset 0 >= hw 0: proposes {0, 1} for broker epoch 0
    assert s.alter_in_flight[0][1] == (0, 1) and s.alter_in_flight[0][4:] == (1, 0)
    s = spec.restart(spec.crash(s, r=1, lost=0), r=1)
    s = spec.alter_partition(s, ldr=0)
    assert s.alter_in_flight[0][0] == 2 and s.controller_isr == (0,)  # REJECTED


# -- AlterPartition, fetch order ------------------------------------------------------------------


def test_hw_over_an_unaccepted_isr_exposes_a_record_the_next_leader_lacks():
    v = violation(KafkaReplication(maximal_isr=False))
    assert v.name == "hw_never_decreases_visibly" and len(v.trace) == 6
    assert names(v) == ["produce", "shrink_isr", "advance_hw", "move_leadership", "become_leader"]


def test_kafka_14704_hw_before_truncation():
    v = violation(KafkaReplication(hw_before_truncation=True))
    assert v.name == "committed_logs_agree" and len(v.trace) == 12
    assert names(v)[-2:] == ["handle_fetch", "receive_fetch"]
    last = v.trace[-1].state
    assert last.truncate_to[0] == 0 and last.hw[0] == 1  # the hw is applied, the truncation still to come


# -- the truncation history --------------------------------------------------------------------


def test_hw_truncation_diverges_and_loses_with_two_replicas():
    """KIP-101 scenario 1: the old leader restarts with the lagging hw checkpoint, truncates
    to it in the fetcher and is elected again. Needs two leader changes."""
    spec = KafkaReplication(truncation="hw", max_leader_epoch=2)
    v = violation(spec, "no_acked_loss")  # committed_logs_agree (15 states): models.toml
    assert len(v.trace) == 17 and names(v)[-2:] == ["move_leadership", "become_leader"]  # 0 is alive again
    assert names(v)[5:11] == ["crash", "elect", "become_leader", "restart", "become_follower", "truncate"]
    assert v.trace[9].state.hw[0] == 0 and v.trace[11].state.log[0] == ()  # restarted with hw 0, truncated to it


@pytest.mark.parametrize("truncation", ["kip101", "kip279"])
def test_offsets_for_leader_epoch_is_answered_only_by_a_leader(truncation):
    """Before KIP-320 a broker answers OffsetsForLeaderEpoch only while it leads
    (NOT_LEADER_FOR_PARTITION otherwise; the fetcher retries), and a new leader's fetcher
    is gone, so a response from its old leader still in flight is dropped. hachikuji's
    model answers from a broker that has not become leader yet: with fetch responses in
    flight that let the old leader truncate record 1 to the empty log of broker 1, which
    then appended record 1 from the old leader's response — a 14-state loss under kip279
    with 2 replicas that Kafka cannot produce (spec/kafka_replication.md)."""
    spec = KafkaReplication(truncation=truncation, max_leader_epoch=3)
    s = spec.produce(next(iter(spec.init())), r=0)
    s = spec.handle_fetch(s, f=1)  # the response carrying record 1 is in flight to broker 1
    s = spec.move_leadership(s, new=1)  # broker 0 is alive: a move, not a failover
    s = spec.become_follower(s, r=0, req=s.requests[-1])
    assert spec.truncate(s, r=0) is None  # broker 1 does not lead yet
    s = spec.become_leader(s, req=s.requests[-1])
    s = spec.truncate(s, r=0)
    assert s.log == ((), ())  # leader 1 never got record 1: truncated to 0
    s = spec.receive_fetch(s, f=1)
    assert s.log[1] == () and s.fetch[1] == ()  # the old leader's response is stale: dropped


def test_divergence_among_live_replicas_k8():
    """KIP-101 scenario 2: hw and KIP-101 keep a replaced record below the hw after a lossy
    leader crash; KIP-279 and KIP-320 truncate it (the record is lost: last replica standing)."""
    for truncation in ("hw", "kip101"):
        v = violation(KafkaReplication(truncation=truncation, lose_unflushed=True), "live_replicas_agree")
        assert len(v.trace) == 16 and "crash" in names(v)
        assert names(v)[-3:] == ["handle_fetch", "produce", "advance_hw"]
    # kip101's OffsetsForLeaderEpoch waits for the re-elected leader to lead; hw asks no one
    assert names(v)[8:11] == ["become_follower", "become_leader", "truncate"]
    # kip279 and kip320 pass (85,626 and 69,908 states): models.toml, kafka-replication-divergence-*


def test_truncation_offsets_follow_each_kip():
    """The follower holds an epoch-1 record the leader never saw (KAFKA-6361's shape)."""
    base = KafkaReplication(replicas=2)
    s = next(iter(base.init()))._replace(log=(((1, 0), (2, 1)), ((1, 0), (3, 2))), hw=(1, 0))
    got = {t: KafkaReplication(replicas=2, truncation=t).truncation_offset(s, 0, 1) for t in ("hw", "kip101", "kip279", "kip320")}
    assert got == {"hw": 1, "kip101": 1, "kip279": 1, "kip320": 1}
    s = s._replace(hw=(0, 0))  # the hw lags: hw and KIP-101's fallback drop the committed record
    got = {t: KafkaReplication(replicas=2, truncation=t).truncation_offset(s, 0, 1) for t in ("hw", "kip101", "kip279")}
    assert got == {"hw": 0, "kip101": 1, "kip279": 1}
    s = s._replace(log=(((1, 0), (2, 1)), ((1, 0),)))  # the leader has no larger epoch: KIP-101 falls back to the hw
    assert KafkaReplication(replicas=2, truncation="kip101").truncation_offset(s, 0, 1) == 0
    assert KafkaReplication(replicas=2, truncation="kip279").truncation_offset(s, 0, 1) == 1


def test_kip320_fences_fetches_across_leader_epochs():
    """A fetch sent in epoch 0 reaching a leader in epoch 1: FENCED_LEADER_EPOCH under
    KIP-320 (it waits, its answer would be an error), served and recorded before."""
    for truncation, fenced in (("kip320", True), ("kip279", False)):
        spec = KafkaReplication(truncation=truncation)
        s = next(iter(spec.init()))._replace(log=(((2, 1),), ()), epoch=(1, 0))
        t = spec.handle_fetch(s, f=1)
        assert (t is None) == fenced
        if not fenced:
            assert t.fetch_offsets[0][1] == 0 and t.fetch[1][4] == ((2, 1),)


def test_a_diverging_fetch_is_answered_with_the_epoch_end():
    spec = KafkaReplication()
    s = next(iter(spec.init()))._replace(log=(((1, 0), (3, 1)), ((1, 0), (2, 0))), epoch=(1, 1), hw=(1, 1),
                                         fetch=((), (1, 0, 2, 0, 1, 0)))
    s = spec.handle_fetch(s, f=1)
    assert s.fetch[1][6:] == (1, 0) and s.fetch_offsets[0][1] == -1  # diverging at epoch 0, ending at offset 1; not recorded
    s = spec.receive_fetch(s, f=1)
    assert s.log[1] == ((1, 0),) and s.fetch[1][:3] == (1, 0, 1)


# -- invariants and configuration --------------------------------------------------------------


def test_invariant_predicates_name_the_broken_values():
    assert inv.no_acked_loss({0: ((1, 0),)}, [1], record_id=lambda e: e[0])
    bad = inv.no_acked_loss({2: ()}, [1])
    assert not bad and "leader 2" in bad.reason
    assert not inv.committed_logs_agree({0: ((1, 0),), 1: ((2, 1),)}, {0: 1, 1: 1})
    assert inv.committed_logs_agree({0: ((1, 0),), 1: ((2, 1),)}, {0: 1, 1: 0})
    assert not inv.visible_prefix_kept(((1, 0),), {1: ()})
    assert inv.visible_prefix_kept(((1, 0),), {1: ((1, 0), (2, 0))})
    assert not inv.isr_quorum([2], 2) and inv.isr_quorum([], 2)


@pytest.mark.parametrize("constants, word", [
    (dict(min_insync=4), "min_insync"),
    (dict(replicas=0), "replicas"),
    (dict(max_crashes=-1), "max_crashes"),
    (dict(records=9), "records"),
    (dict(hw_before_truncation=True, truncation="hw"), "hw_before_truncation"),
])
def test_bad_constants_are_refused_with_the_fix(constants, word):
    with pytest.raises(SpecError, match=word):
        KafkaReplication(**constants)


def test_exercised_premises_say_when_an_invariant_has_something_to_check():
    """`no_acked_loss` speaks of acknowledged records, `live_replicas_agree` of caught-up
    followers with a committed prefix: neither holds in the initial state, both hold at the
    end of the counterexamples that break them."""
    from checker.spec import describe

    premise = describe(KafkaReplication).exercised
    assert set(premise) == {"no_acked_loss", "committed_logs_agree", "live_replicas_agree",
                            "hw_never_decreases_visibly", "one_leader_per_epoch", "isr_quorum"}
    spec = KafkaReplication(acks="1")
    s0 = next(iter(spec.init()))
    assert not any(p(spec, s0) for p in premise.values())
    assert premise["no_acked_loss"](spec, violation(spec).trace[-1].state)
    spec = KafkaReplication(truncation="hw", lose_unflushed=True)
    assert premise["live_replicas_agree"](spec, violation(spec, "live_replicas_agree").trace[-1].state)
