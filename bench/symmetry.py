"""Symmetry reduction on the bundled models: distinct / generated states, depth and seconds
with and without a declared symmetry, and whether the verdicts agree.

The bundled specs in spec/ declare no symmetry yet (their owners decide); the subclasses
here declare it without editing them, each with the reason it is sound. Models whose
protocol tells ids apart (ZooKeeper's vote order ends in the server id, the consumer
group assignors order members by id, transactional producer instances start in order)
get none. `LeaderAndIsr`-style models whose initial state names one process (replica 0
leads epoch 0) are symmetric only in the others: the group fixes that id.

    python bench/symmetry.py            # the table (a few minutes on 2 cores)
    python bench/symmetry.py --quick    # the small configurations only
    python bench/symmetry.py --orbits   # also count orbits of the unreduced state space (slow)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import attrs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from checker import check  # noqa: E402
from checker.symmetry import (  # noqa: E402
    orbit_count, permutations_of, reachable_states, reindex, rename, rename_all, sorting_permutation,
)
from checker.errors import SpecError  # noqa: E402
from spec.kafka_consumer_group import KafkaConsumerGroup  # noqa: E402
from spec.kafka_controller import KafkaController  # noqa: E402
from spec.kafka_replication import KafkaReplication  # noqa: E402
from spec.two_phase import TwoPhase  # noqa: E402
from tlc.voting import MCVotingSymmetric  # noqa: E402


@attrs.frozen
class TwoPhaseSymmetric(TwoPhase):
    """Resource managers are interchangeable: every action takes any RM, the TM waits for all."""

    def symmetry(self):
        return permutations_of(self.rms)

    def permute(self, s, p):
        return s._replace(rm_state=reindex(s.rm_state, p), prepared=reindex(s.prepared, p), sent_prepared=reindex(s.sent_prepared, p))


@attrs.frozen
class TwoPhaseSorted(TwoPhaseSymmetric):
    """The same symmetry, fingerprinted by sorting RMs by their local variables instead of
    a minimum over all rms! permutations: canonical, since no variable holds an RM id."""

    def canonical(self, s):
        return self.permute(s, sorting_permutation(list(zip(s.rm_state, s.prepared, s.sent_prepared))))


# The Kafka controller and replication models declare their symmetry themselves
# (brokers; followers): the names below keep this script's tables readable.
KafkaControllerSymmetric = KafkaController
KafkaReplicationSymmetric = KafkaReplication
R3 = dict(replicas=3, records=1, max_leader_epoch=0)


@attrs.frozen
class ConsumerGroupMembersClaimed(KafkaConsumerGroup):
    """NOT a symmetry, declared to show the self-check refusing it: the assignors hand
    partitions out in member-id order (RangeAssignor: the first members get the extra
    partition), so renaming members changes who owns what after a rebalance."""

    def symmetry(self):
        return permutations_of(self.members)

    def permute(self, s, p):
        return s._replace(
            group=rename_all(s.group, p), joined=rename_all(s.joined, p),
            assignment=tuple(rename(m, p) for m in s.assignment), status=reindex(s.status, p),
            member_generation=reindex(s.member_generation, p), owned=reindex(s.owned, p), position=reindex(s.position, p),
            in_hand=reindex(s.in_hand, p), stalled=reindex(s.stalled, p),
            zombie_commit=(p[s.zombie_commit[0]],) + s.zombie_commit[1:] if s.zombie_commit else (),
        )


# (label, spec, check keywords); the same spec runs with symmetry and without
QUICK = [
    ("MCVoting (TLC: 77 / 451 / 11)", MCVotingSymmetric(), dict(deadlock=False)),
    ("two-phase rms=3", TwoPhaseSymmetric(rms=3), {}),
    ("two-phase rms=5", TwoPhaseSymmetric(rms=5), {}),
    ("two-phase rms=5 canonical()", TwoPhaseSorted(rms=5), {}),
    ("kafka-controller brokers=3", KafkaControllerSymmetric(brokers=3), {}),
    ("kafka-controller brokers=3 no fencing", KafkaControllerSymmetric(brokers=3, controller_epoch_fencing=False), {}),
    # 3 replicas (2 are symmetric only trivially): one record, one crash, no leader change —
    # the largest 3-replica configuration of the finer model that runs in tens of seconds
    ("kafka-replication replicas=3", KafkaReplicationSymmetric(**R3), {}),
    ("kafka-replication replicas=3 truncation=hw", KafkaReplicationSymmetric(**R3, truncation="hw"), {}),
    # models.toml's replication bugs at 3 replicas: the same violation, trace length and depth
    ("kafka-replication acks=1", KafkaReplicationSymmetric(replicas=3, acks="1"), {}),
    ("kafka-replication unclean election", KafkaReplicationSymmetric(replicas=3, unclean_election=True, min_insync=1),
     dict(invariants=["no_acked_loss"])),
    ("kafka-replication min_insync=1 lossy",
     KafkaReplicationSymmetric(replicas=3, min_insync=1, lose_unflushed=True, records=1), {}),
]
FULL = QUICK + [
    ("two-phase rms=6", TwoPhaseSymmetric(rms=6), {}),
    ("two-phase rms=6 canonical()", TwoPhaseSorted(rms=6), {}),
    ("two-phase rms=7 canonical()", TwoPhaseSorted(rms=7), {}),
    ("two-phase rms=8 canonical()", TwoPhaseSorted(rms=8), {}),
    ("kafka-controller brokers=4", KafkaControllerSymmetric(brokers=4), {}),
    # 14 states deep with 3 replicas: 210,536 states without symmetry (minutes on a loaded machine)
    ("kafka-replication last replica standing", KafkaReplicationSymmetric(replicas=3, lose_unflushed=True, records=1),
     dict(invariants=["no_acked_loss"])),
]


def row(label: str, spec, kw: dict, orbits: bool) -> dict:
    kw = {**kw, "liveness": False}  # symmetry refuses liveness: the comparison is of the safety search
    plain = check(spec, symmetry=False, **kw)
    t = time.monotonic()
    reduced = check(spec, **kw)
    total = time.monotonic() - t
    out = dict(
        model=label, group=reduced.symmetry,
        plain=(plain.distinct_states, plain.generated_states, plain.depth, plain.status, plain.seconds),
        reduced=(reduced.distinct_states, reduced.generated_states, reduced.depth, reduced.status, total),
        agree=plain.status == reduced.status and plain.depth == reduced.depth
        and (plain.violation is None) == (reduced.violation is None)
        and (plain.violation is None or (plain.violation.name, len(plain.violation.trace))
             == (reduced.violation.name, len(reduced.violation.trace))),
    )
    if orbits and plain.status == "ok":
        out["orbits"] = orbit_count(reachable_states(spec), spec)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--orbits", action="store_true")
    args = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; seconds with symmetry include its self-check")
    print(f"{'model':45} {'|G|':>4} {'distinct':>19} {'generated':>21} {'depth':>7} {'seconds':>13} {'x':>5} verdict")
    try:
        check(ConsumerGroupMembersClaimed())
        print("consumer group members: the self-check did NOT refuse the declaration")
    except SpecError as e:
        print(f"consumer group, members claimed symmetric: refused by the self-check: {str(e)[:300]}...")
    for label, spec, kw in QUICK if args.quick else FULL:
        r = row(label, spec, kw, args.orbits)
        p, q = r["plain"], r["reduced"]
        orb = f" orbits={r['orbits']}" if "orbits" in r else ""
        print(f"{label:45} {r['group']:>4} {p[0]:>9} -> {q[0]:>6} {p[1]:>10} -> {q[1]:>7} {p[2]:>3}/{q[2]:<3} "
              f"{p[4]:>5.1f} -> {q[4]:>4.1f} {p[0] / q[0]:>5.1f} {q[3]}{'' if r['agree'] else ' DIFFERS'}{orb}",
              flush=True)


if __name__ == "__main__":
    main()
