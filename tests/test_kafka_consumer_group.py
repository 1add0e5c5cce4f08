"""The Kafka consumer group model: the safe default keeps its promises exhaustively, each
commit mode shows the failure it admits, generation fencing is what stops zombie commits,
and every counterexample replays."""

from __future__ import annotations

import pytest

from checker import SpecError, check
from checker.testing import assert_holds, assert_violates
from spec.kafka_consumer_group import NONE, KafkaConsumerGroup, assignment
from tests.helpers import actions

AT_LEAST_ONCE = ["one_owner_per_partition", "no_zombie_commit", "no_lost_records", "at_least_once"]
AT_MOST_ONCE = ["one_owner_per_partition", "no_zombie_commit", "no_lost_records", "no_duplicate_processing"]


# -- the safe configurations -------------------------------------------------------------------


def test_safe_default_keeps_the_at_least_once_promises():
    spec = KafkaConsumerGroup()
    assert (spec.members, spec.partitions, spec.records, spec.stalls, spec.crashes, spec.leaves) == (2, 2, 1, 1, 0, 1)
    assert (spec.commit, spec.generation_fencing) == ("after-processing", True)
    r = assert_holds(spec, invariants=AT_LEAST_ONCE)
    assert (r.distinct_states, r.generated_states, r.depth) == (27768, 56696, 29)
    assert r.never_fired == ["crash"]  # crashes=0 switches crashes off; stalls, expiry, leaves all happen
    # liveness, checked by default: once members stop failing every partition is owned for good
    assert r.properties == ["partitions_owned"] and r.transitions == 56695 and not r.vacuous


def test_commit_before_processing_with_fencing_never_processes_twice():
    r = assert_holds(KafkaConsumerGroup(commit="before-processing"), invariants=AT_MOST_ONCE)
    assert (r.distinct_states, r.generated_states, r.depth) == (21536, 46162, 26)


def test_more_members_than_partitions_leaves_a_member_idle():
    assert assignment("range", (0, 1, 2), 2) == (0, 1)  # member 2 gets nothing
    assert assignment("roundrobin", (0, 2), 3) == (0, 2, 0)
    assert assignment("range", (1, 2), 3) == (1, 1, 2)
    assert assignment("range", (), 2) == (NONE, NONE)
    r = assert_holds(KafkaConsumerGroup(members=3, stalls=0, leaves=0))
    assert (r.distinct_states, r.generated_states, r.depth) == (1719, 3552, 19)


# -- what each commit mode admits ---------------------------------------------------------------


def test_commit_after_processing_reprocesses_after_a_zombie():
    """At-least-once: the stalled owner processed the record but never committed it; the new
    owner starts from the committed offset and processes it again."""
    v = assert_violates(KafkaConsumerGroup(), "no_duplicate_processing")
    assert actions(v) == [
        "join(m=0)", "complete_rebalance", "sync(m=0)", "join(m=1)", "poll(m=0, p=0)", "process(m=0)",
        "stall(m=0)", "expire(m=0)", "complete_rebalance", "sync(m=1)", "poll(m=1, p=0)", "process(m=1)",
    ]
    assert "p0@0 was processed 2 times" in v.message


def test_commit_before_processing_then_crash_loses_the_record():
    v = assert_violates(KafkaConsumerGroup(commit="before-processing", crashes=1), "no_lost_records")
    assert actions(v) == ["join(m=0)", "complete_rebalance", "sync(m=0)", "poll(m=0, p=0)", "commit_offset(m=0)", "crash(m=0)"]
    assert "p0@0 is below the committed offset 1" in v.message


def test_commit_before_processing_breaks_the_at_least_once_promise_without_any_fault():
    v = assert_violates(KafkaConsumerGroup(commit="before-processing", stalls=0, leaves=0), "at_least_once")
    assert len(v.trace) == 6 and v.trace[-1].name == "commit_offset"


def test_commit_before_processing_loses_nothing_without_crashes():
    assert_holds(KafkaConsumerGroup(commit="before-processing", crashes=0), invariants=["no_lost_records"])


# -- generation fencing --------------------------------------------------------------------------


def test_without_generation_fencing_a_zombie_commit_is_accepted():
    v = assert_violates(KafkaConsumerGroup(generation_fencing=False), "no_zombie_commit")
    assert actions(v) == [
        "join(m=0)", "complete_rebalance", "sync(m=0)", "poll(m=0, p=0)", "process(m=0)",
        "stall(m=0)", "expire(m=0)", "resume(m=0)", "commit_offset(m=0)",
    ]
    assert "member 0 (generation 1)" in v.message and "removed from the group" in v.message
    # the same run with fencing: that commit is rejected and the zombie drops its partitions
    fenced = KafkaConsumerGroup()
    before = v.trace[-2].state
    after = fenced.commit_offset(before, m=0)
    assert after.committed == before.committed and after.status[0] == "out" and after.owned[0] == ()


def test_without_generation_fencing_at_most_once_processes_twice():
    v = assert_violates(KafkaConsumerGroup(generation_fencing=False, commit="before-processing"), "no_duplicate_processing")
    assert len(v.trace) == 16
    assert actions(v)[-3:] == ["resume(m=0)", "commit_offset(m=0)", "process(m=0)"]


# -- configuration errors ------------------------------------------------------------------------


@pytest.mark.parametrize("bad, message", [
    (dict(members=0), "members=0 must be at least 1. Give each a value in its range (the defaults: -c members=2)"),
    (dict(records=0), "records=0 must be at least 1. Give each a value in its range (the defaults: -c records=1)"),
    (dict(stalls=-1), "stalls=-1 must be at least 0 (0 switches it off)."),
    (dict(max_generation=0), "max_generation=0 must be at least 1 (or no member ever gets an assignment)."),
])
def test_bad_constants_are_refused_with_the_fix(bad, message):
    with pytest.raises(SpecError) as err:
        KafkaConsumerGroup(**bad)
    assert message in str(err.value)


def test_double_ownership_among_current_members_is_reported():
    """No switch breaks exclusive ownership (eager revocation prevents it), so check the
    invariant against a state where it is broken: both members of generation 1 own p0."""
    spec = KafkaConsumerGroup()
    s = next(iter(spec.init()))._replace(generation=1, group=(0, 1), status=("active", "active"),
                                              member_generation=(1, 1), owned=((0,), (0, 1)))
    assert not spec.one_owner_per_partition(s)
    assert "partition 0 is owned by current members [0, 1]" in spec.one_owner_per_partition(s).reason
    assert spec.one_owner_per_partition(s._replace(group=(1,)))  # member 0 removed: a zombie's belief does not count


def test_checking_without_invariant_names_checks_what_the_commit_mode_promises():
    r = check(KafkaConsumerGroup())
    assert r.invariants == AT_LEAST_ONCE and r.status == "ok" and r.distinct_states == 27768
    assert check(KafkaConsumerGroup(commit="before-processing")).invariants == AT_MOST_ONCE
