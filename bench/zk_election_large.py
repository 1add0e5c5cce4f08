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
    ("default: 3 servers, 1 crash", {}, None),
    ("3 servers, stale leader (1 isolation), no crash", dict(max_crashes=0, max_timeouts=1), None),
    ("3 servers, epoch_fencing=False, stale leader", dict(epoch_fencing=False, max_crashes=0, max_timeouts=1),
     ["no_stale_leader_accepted"]),
    # the failed proposer from a fresh start: two leader crashes after propose_epoch, three rounds
    ("3 servers, epoch_fencing=False, 2 crashes, 3 rounds", dict(epoch_fencing=False, max_crashes=2, max_round=3),
     ["no_stale_leader_accepted"]),
    ("3 servers, 2 crashes, 3 rounds (fenced)", dict(max_crashes=2, max_round=3), None),
    ("3 servers, stale_notifications=1, settled faults, no fencing",
     dict(epoch_fencing=False, stale_notifications=1, fault_timing="settled", max_crashes=0, max_timeouts=1),
     ["no_stale_leader_accepted"]),
    ("3 servers, after whole-ensemble crash (logs 1,1,2), 1 write", dict(recovered_logs=(1, 1, 2), max_crashes=0, max_writes=1), None),
    ("3 servers, sid-only + ahead_check, logs 1,1,0", dict(vote_order="sid-only", recovered_logs=(1, 1, 0), max_crashes=0),
     ["leader_has_latest_committed"]),
    ("3 servers, 1 crash, 1 write", dict(max_writes=1), None),
    ("3 servers, 2 writes, no faults", dict(max_crashes=0, max_writes=2), None),
    # 5 servers: 20 notification slots; the boot election alone passes 4.5M states by depth 8
    ("5 servers, boot election only (round 1, no faults)", dict(servers=5, max_crashes=0, max_round=1, max_epoch=1), None),
]


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    print(f"{'configuration':58} {'status':10} {'distinct':>10} {'generated':>11} {'depth':>5} {'seconds':>8}")
    for title, constants, invariants in CONFIGS:
        t0 = time.monotonic()
        r = check(ZkElection(**constants), deadlock=False, invariants=invariants, time_limit=limit)
        secs = time.monotonic() - t0
        print(f"{title:58} {r.status:10} {r.distinct_states:>10,} {r.generated_states:>11,} {r.depth:>5} {secs:>8.1f}", flush=True)
        for v in r.violations[:1]:
            print(f"    {v.name}: {v.message} ({len(v.trace)} states)")


if __name__ == "__main__":
    main()
