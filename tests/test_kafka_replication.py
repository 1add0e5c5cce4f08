"""The Kafka replication model: the safe defaults are exhaustive and clean; each durability
setting and each historical truncation rule breaks what it broke in Kafka, at the smallest
configuration, with a short trace that replays; KIP-320 passes the same configurations."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from invariants import replication as inv
from spec.kafka_replication import KafkaReplication
from tests.helpers import replays


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
    assert (spec.replicas, spec.records, spec.max_crashes, spec.acks, spec.min_insync) == (3, 2, 1, "all", 2)
    assert (spec.unclean_election, spec.truncation, spec.lose_unflushed, spec.max_leader_epoch) == (False, "kip320", False, 1)
    r = ok(spec)  # followers are interchangeable: one state per orbit (105,482 states without symmetry)
    assert (r.distinct_states, r.generated_states, r.depth, r.symmetry) == (52871, 150870, 25, 2)


# -- durability settings -----------------------------------------------------------------------


def test_acks_1_deposed_leader_acknowledges_a_write_the_new_leader_lacks():
    spec = KafkaReplication(acks="1")
    v = violation(spec)
    assert v.name == "no_acked_loss" and len(v.trace) == 4
    assert names(v) == ["elect", "become_leader", "produce"]
    assert v.trace[-1].args == {"r": 0}  # the old leader, still believing it leads


def test_acks_1_leader_crash_before_any_fetch_loses_the_record():
    """The classic path (leader crash) is one step longer than the zombie path BFS finds."""
    spec = KafkaReplication(acks="1")
    s = next(iter(spec.init()))
    for act, args in [("produce", {"r": 0}), ("crash", {"r": 0, "lost": 0}), ("elect", {"new": 1})]:
        s = getattr(spec, act)(s, **args)
        assert s is not None and spec.no_acked_loss(s)
    s = spec.become_leader(s, req=s.requests[-1])
    assert not spec.no_acked_loss(s)


def test_unclean_election_loses_an_acknowledged_record():
    v = violation(KafkaReplication(unclean_election=True), "no_acked_loss")
    assert len(v.trace) == 10
    assert names(v)[-3:] == ["crash", "elect", "become_leader"]
    last = v.trace[-1].state
    assert last.c_isr == (last.c_leader,)  # unclean: the new leader is the whole ISR


def test_min_insync_1_needs_one_lossy_crash_and_one_record():
    """Needs lose_unflushed (a non-lossy crash keeps the record on the only ISR member)."""
    v = violation(KafkaReplication(min_insync=1, lose_unflushed=True, records=1))
    assert v.name == "no_acked_loss" and len(v.trace) == 8
    assert names(v).count("shrink_isr") == 2 and ("crash" in names(v))
    ok(KafkaReplication(min_insync=1))  # no lossy crash: nothing lost
    r = check(KafkaReplication(lose_unflushed=True, records=1), invariants=["no_acked_loss"])
    assert r.status == "ok"  # min_insync=2 survives the same lossy crash


def test_last_replica_standing_with_min_insync_2_needs_two_records():
    """min_insync=2, one lossy crash: the ISR shrinks to the leader (2nd record lags), which
    loses its tail and is re-elected as the last ISR member (KIP-966's ELR fixes it)."""
    v = violation(KafkaReplication(lose_unflushed=True), "no_acked_loss")
    assert len(v.trace) == 10
    assert names(v)[-3:] == ["crash", "restart", "become_leader"]
    assert v.trace[-1].state.c_isr == (v.trace[-1].state.c_leader,)


# -- the truncation history --------------------------------------------------------------------


def test_hw_truncation_diverges_and_loses_with_two_replicas():
    """Needs two leader changes (default: one); crashes and records as the defaults."""
    spec = KafkaReplication(truncation="hw", replicas=2, max_leader_epoch=2)
    assert violation(spec).name == "isr_quorum"  # the leader counts a follower holding another record
    v = violation(spec, "committed_logs_agree")
    assert len(v.trace) == 10
    v = violation(spec, "no_acked_loss")  # KIP-101 scenario 1: truncate to the stale hw, then lead
    assert len(v.trace) == 13 and names(v)[-2:] == ["become_follower", "become_leader"]
    ok(KafkaReplication(truncation="hw", replicas=2))  # one leader change is not enough


def test_kip101_loses_data_with_two_replicas_and_three_leader_changes():
    """Needs three fast leader changes (default: one); two leave it intact."""
    v = violation(KafkaReplication(truncation="kip101", replicas=2, max_leader_epoch=3))
    assert v.name == "no_acked_loss" and len(v.trace) == 11
    assert names(v).count("elect") == 3
    ok(KafkaReplication(truncation="kip101", replicas=2, max_leader_epoch=2))


def test_kip279_needs_three_replicas():
    """Needs three replicas and two leader changes, but only one record and no crash."""
    v = violation(KafkaReplication(truncation="kip279", records=1, max_leader_epoch=2, max_crashes=0))
    assert v.name == "no_acked_loss" and len(v.trace) == 11
    assert "expand_isr" in names(v)  # let back into the ISR before reaching the epoch start
    r = ok(KafkaReplication(truncation="kip279", replicas=2, max_leader_epoch=3))
    assert r.distinct_states == 39590


def test_kip279_unfenced_fetch_diverges_after_a_lossy_crash():
    """With lose_unflushed, two replicas suffice: the follower keeps fetching across the
    leader's new epoch without truncating (the fencing KIP-320 added)."""
    v = violation(KafkaReplication(truncation="kip279", replicas=2, max_leader_epoch=2, lose_unflushed=True),
                  "committed_logs_agree")
    assert len(v.trace) == 11


@pytest.mark.parametrize("constants, distinct", [
    (dict(records=1, max_leader_epoch=2, max_crashes=0), 5164),  # the KIP-279 counterexample's configuration (10,262 states without symmetry)
    (dict(replicas=2, max_leader_epoch=3), 27408),  # the KIP-101 one
    (dict(replicas=2, max_leader_epoch=2, lose_unflushed=True), None),  # the lossy KIP-279 one
])
def test_kip320_passes_where_the_earlier_rules_break(constants, distinct):
    spec = KafkaReplication(**constants)
    invs = ["committed_logs_agree"] if spec.lose_unflushed else None
    r = check(spec, invariants=invs)
    assert r.status == "ok"
    if distinct is not None:
        assert r.distinct_states == distinct


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
    """A follower still in epoch 0 cannot fetch from a leader in epoch 1 (FENCED_LEADER_EPOCH);
    before KIP-320 it can, and copies the new epoch's record on top of a stale log."""
    for truncation, fenced in (("kip320", True), ("kip279", False)):
        spec = KafkaReplication(replicas=2, truncation=truncation)
        s = next(iter(spec.init()))._replace(log=(((2, 1),), ()), epoch=(1, 0))
        assert (spec.fetch(s, f=1) is None) == fenced


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
])
def test_bad_constants_are_refused_with_the_fix(constants, word):
    with pytest.raises(SpecError, match=word):
        KafkaReplication(**constants)
