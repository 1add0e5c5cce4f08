"""Larger ZooKeeper election configurations than the tests afford: prints distinct / generated /
depth / seconds per configuration. Usage: python bench/zk_election_large.py [time_limit_s]"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker import check  # noqa: E402
from spec.zk_election import ZkElection  # noqa: E402

CONFIGS: list[tuple[str, dict, list[str] | None]] = [
    ("default: 1 write, 1 crash at any moment, 1 round", {}, None),
    ("2 rounds, 1 quiet crash, no write (the old default's scenario)",
     dict(max_round=2, fault_timing="quiet", max_writes=0), None),
    ("2 rounds, 1 crash at any moment, no write", dict(max_round=2, max_writes=0), None),
    ("staged disks (1,1,0), max_epoch=3, 1 write", dict(recovered_logs=(1, 1, 0), max_epoch=3), None),
    # ZOOKEEPER-4643 from a fresh start: a write committed without server 2, then two crashes, two rounds
    ("epoch_before_txns from a fresh start, 2 crashes, 2 rounds",
     dict(epoch_before_txns=True, max_crashes=2, max_epoch=3, max_round=2), ["leader_has_latest_committed"]),
    # the failed proposer from a fresh start, cheapest shape: server 2 proposes (0 still LOOKING), crashes,
    # is elected again by 0 in round 1, proposes epoch 2, crashes again; 0 and 1 elect 1 in round 2,
    # which proposes epoch 1, and 2 joins it (a trace of about 30 states)
    ("epoch_fencing=False, 2 crashes at any moment, 2 rounds, no write",
     dict(epoch_fencing=False, max_crashes=2, max_round=2, max_writes=0), ["no_stale_leader_accepted"]),
    # the failed proposer from a fresh start: two leader crashes after propose_epoch, three rounds
    ("epoch_fencing=False, 2 quiet crashes, 3 rounds, no write",
     dict(epoch_fencing=False, max_crashes=2, max_round=3, fault_timing="quiet", max_writes=0),
     ["no_stale_leader_accepted"]),
    ("stale leader (1 isolation), no crash, 2 rounds", dict(max_crashes=0, max_timeouts=1, max_round=2), None),
    ("stale_notifications=1, no faults, no write", dict(stale_notifications=1, max_crashes=0, max_writes=0), None),
    ("2 writes, no faults", dict(max_crashes=0, max_writes=2), None),
    # 5 servers: 20 notification slots; the boot election alone passes 4.5M states by depth 8
    ("5 servers, boot election only (no faults, no write)", dict(servers=5, max_crashes=0, max_epoch=1, max_writes=0), None),
]


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    print(f"{'configuration':58} {'status':10} {'distinct':>10} {'generated':>11} {'depth':>5} {'seconds':>8}")
    for title, constants, invariants in CONFIGS:
        t0 = time.monotonic()
        r = check(ZkElection(**constants), deadlock=True, invariants=invariants, time_limit=limit, liveness=False)
        secs = time.monotonic() - t0
        print(f"{title:58} {r.status:10} {r.distinct_states:>10,} {r.generated_states:>11,} {r.depth:>5} {secs:>8.1f}", flush=True)
        for v in r.violations[:1]:
            print(f"    {v.name}: {v.message} ({len(v.trace)} states)")


if __name__ == "__main__":
    main()
