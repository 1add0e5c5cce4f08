"""What a symmetry costs per successor: the same search without symmetry, with the engine's
least hash over the group (the fallback when a spec has no canonical()), and with the spec's
canonical(). CPU seconds of this process, the least of --repeat runs, and microseconds per
generated successor (the figure issue 16 compares: 19-21 us with permute + rehash against
10-11 us without symmetry, at the time).

    python bench/canonical_cost.py                 # every row (a few minutes)
    python bench/canonical_cost.py --only kafka-replication-r3-e1 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from checker import check  # noqa: E402
from spec.kafka_controller import KafkaController  # noqa: E402
from spec.kafka_replication import KafkaReplication  # noqa: E402


def least_hash(cls: type) -> type:
    """The spec class without its canonical(): the engine's fallback."""
    return type(f"{cls.__name__}LeastHash", (cls,), {"canonical": None})


ROWS = {
    # 3 replicas (2 are symmetric only trivially), 1 record, 1 crash, no leader change
    "kafka-replication-r3": (KafkaReplication, dict(replicas=3, records=1, max_leader_epoch=0)),
    # 3 replicas, 1 record, no crash, 1 leader change: 144,144 orbits, 288,244 states
    "kafka-replication-r3-e1": (KafkaReplication, dict(replicas=3, records=1, max_crashes=0, max_leader_epoch=1)),
    "kafka-controller": (KafkaController, {}),
    "kafka-controller-2-expirations": (KafkaController, dict(max_expirations=2)),
}


def measure(spec, repeat: int, **kw) -> tuple:
    best, r = None, None
    for _ in range(repeat):
        t = time.process_time()
        r = check(spec, deadlock=False, liveness=False, **kw)  # the symmetric search is safety only
        dt = time.process_time() - t
        best = dt if best is None else min(best, dt)
    return r, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print(f"{'row':32} {'variant':13} {'distinct':>9} {'generated':>10} {'depth':>5} {'CPU s':>7} {'us/succ':>8}")
    for name, (cls, kw) in ROWS.items():
        if args.only and name not in args.only:
            continue
        for variant, spec, opts in (("no symmetry", cls(**kw), {"symmetry": False}),
                                    ("least hash", least_hash(cls)(**kw), {}),
                                    ("canonical()", cls(**kw), {})):
            r, cpu = measure(spec, args.repeat, **opts)
            print(f"{name:32} {variant:13} {r.distinct_states:>9,} {r.generated_states:>10,} {r.depth:>5} {cpu:>7.2f} "
                  f"{cpu / r.generated_states * 1e6:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
