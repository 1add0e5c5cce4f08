"""Kafka replication configurations too large for the test suite: the KIP-320 protocol
with 3 replicas and two fast leader changes, and the earlier truncation rules in the same
configuration. Prints status, counts, depth, seconds and the counterexample, if any.
Run: python bench/kafka_replication_bugs.py [name ...]   (default: all; the first takes minutes).
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from checker import check  # noqa: E402
from spec.kafka_replication import KafkaReplication  # noqa: E402

BIG = dict(replicas=3, records=2, max_leader_epoch=2, max_crashes=1)

# name: (spec, invariants or None for all)
BENCH = {
    # KIP-320 with 3 replicas, 2 records, 2 fast leader changes and a crash: should pass.
    "kip320-r3-e2-c1": (KafkaReplication(**BIG), None),
    "kip279-r3-e2-c1": (KafkaReplication(**BIG, truncation="kip279"), None),
    "kip101-r3-e2-c1": (KafkaReplication(**BIG, truncation="kip101"), None),
    "hw-r3-e2-c1": (KafkaReplication(**BIG, truncation="hw"), None),
    # Two crashes, one of them lossy, break even KIP-320 (expected: the replica that lost its
    # tail is re-elected while the intact one is down; KIP-966 territory, not a truncation bug).
    "kip320-r2-e3-2crashes-lossy": (KafkaReplication(replicas=2, max_leader_epoch=3, max_crashes=2,
                                                     lose_unflushed=True), ["committed_logs_agree"]),
}


def main(names: list[str]) -> None:
    for name in names or list(BENCH):
        spec, invariants = BENCH[name]
        r = check(spec, deadlock=False, invariants=invariants)
        line = (f"{name:28} {r.status:10} distinct={r.distinct_states:,} generated={r.generated_states:,} "
                f"depth={r.depth} {r.seconds:.1f}s")
        if r.violation:
            v = r.violation
            line += f"\n    {v.name} in {len(v.trace)} states: " + " · ".join(s.action for s in v.trace[1:])
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
