"""What two spec-side habits cost, on the @record vote-exchange model (bench/vote_exchange.py).

    python bench/spec_rules.py [--rounds 3]

1. Parameter domains: `deliver`'s domain computed from the state (the distinct messages in
   flight) against ranging over every message that could exist (n^3) and returning None
   for those not in flight. Same states, same successors; only wasted calls differ.
2. A ghost (history) variable: a count of deliveries kept in the state multiplies the
   states; dropped by `view`, the distinct states are those of the model without it (the
   fingerprint ignores it) but every state still carries it.

CPU seconds, least over the rounds, in this process.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import NamedTuple

import attrs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.vote_exchange import RecordReplace, _Named, decided, receive  # noqa: E402
from checker import action, check  # noqa: E402
from checker.record import record  # noqa: E402
from spec.mechanics import bag_distinct, bag_remove  # noqa: E402


@attrs.frozen
class EveryMessage(RecordReplace):
    """`deliver` ranges over all n^3 messages and is not enabled for those not in flight."""

    @action(m=lambda spec, s: [(d, f, v) for d in range(spec.n) for f in range(spec.n) for v in range(spec.n)])
    def deliver(self, s, m):
        if m not in s.net:
            return None
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return s.replace(vote=vote, recv=recv, net=net)


@record
class Ghost(NamedTuple):
    vote: tuple[int, ...]
    recv: tuple[tuple[int, ...], ...]
    net: tuple[tuple[int, int, int], ...]
    leader: tuple[int, ...]
    delivered: int  # history: notifications delivered so far (bounded by the messages ever sent)


@attrs.frozen
class GhostInState(_Named):
    """The vote exchange with a delivery count in the state."""

    def init(self):
        from bench.vote_exchange import initial

        yield Ghost(*initial(self.n), 0)

    @action(m=lambda spec, s: bag_distinct(s.net))
    def deliver(self, s, m):
        vote, recv, net = receive(self, s.vote, s.recv, s.net, s.leader, m)
        return s.replace(vote=vote, recv=recv, net=net, delivered=s.delivered + 1)

    @action(m=lambda spec, s: bag_distinct(s.net) if spec.lossy else ())
    def lose(self, s, m):
        return s.replace(net=bag_remove(s.net, m))

    @action(i=lambda spec, s: range(spec.n))
    def decide(self, s, i):
        leader = decided(self, s.vote, s.recv, s.leader, i)
        return None if leader is None else s.replace(leader=leader)


@attrs.frozen
class GhostInView(GhostInState):
    """The same, fingerprinted without the ghost (TLC's VIEW)."""

    def view(self, s):
        return s[:4]


CASES = {
    "domain from the state (bag_distinct)": RecordReplace,
    "domain: every message, None if absent": EveryMessage,
    "ghost counter in the state": GhostInState,
    "ghost counter dropped by view()": GhostInView,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    best: dict[str, float] = {}
    results = {}
    for _ in range(args.rounds):
        for name, cls in CASES.items():
            gc.collect()
            cpu = time.process_time()
            r = check(cls())
            best[name] = min(best.get(name, float("inf")), time.process_time() - cpu)
            results[name] = r
    print(f"{'case':40} {'status':8} {'distinct':>9} {'generated':>10} {'CPU s':>7}")
    for name, r in results.items():
        print(f"{name:40} {r.status:8} {r.distinct_states:>9,} {r.generated_states:>10,} {best[name]:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
