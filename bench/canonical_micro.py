"""The symmetric fingerprint alone, per successor: plain hash (no symmetry), the engine's
least hash over the group (no canonical()), and the spec's canonical() — timed over the
successors of the first states of a search, the least of several repeats in CPU time, so that the
load of a shared machine disturbs it less than a whole search.

    python bench/canonical_micro.py [STATES]
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque

import attrs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from checker.fingerprint import ValueRegistry, fingerprint_function  # noqa: E402
from checker.spec import describe  # noqa: E402
from checker.successors import successors  # noqa: E402
from spec.kafka_controller import KafkaController  # noqa: E402
from spec.kafka_replication import KafkaReplication  # noqa: E402

SPECS = {
    "kafka-replication replicas=3": KafkaReplication(replicas=3, records=1, max_leader_epoch=0),
    "kafka-replication replicas=4": KafkaReplication(replicas=4, records=1, max_leader_epoch=0),
    "kafka-controller brokers=3": KafkaController(),
}


def sample(spec, limit: int) -> list:
    info, states = describe(type(spec)), list(spec.init())
    seen, queue, out = set(states), deque(states), []
    while queue and len(seen) < limit:
        for _, _, t in successors(info, spec, queue.popleft()):
            out.append(t)
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return out


def best_of(fn, states, repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for s in states:
            fn(s)
        best = min(best, time.process_time() - t)
    return best / len(states) * 1e6


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    print(f"{'model':30} {'successors':>10} {'hash':>7} {'least hash':>11} {'canonical()':>12}  (us per successor)")
    for name, spec in SPECS.items():
        states = sample(spec, limit)
        info = describe(type(spec))
        least_cls = type(f"{type(spec).__name__}LeastHash", (type(spec),), {"canonical": None})
        least_spec = least_cls(**{a.name: getattr(spec, a.name) for a in attrs.fields(type(spec))})
        plain = fingerprint_function(spec, info, False, ValueRegistry())
        least = fingerprint_function(least_spec, describe(least_cls), True, ValueRegistry())
        canon = fingerprint_function(spec, info, True, ValueRegistry())
        print(f"{name:30} {len(states):>10} {best_of(plain, states):>7.2f} {best_of(least, states):>11.2f} "
              f"{best_of(canon, states):>12.2f}", flush=True)


if __name__ == "__main__":
    main()
