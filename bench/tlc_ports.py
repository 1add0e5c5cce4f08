"""Speed of the engine on the TLC reference ports, next to TLC's own figures.

Each entry is a port from tests/tlc/ with TLC's distinct / generated / depth and TLC's
search seconds (one worker, 2-core machine; /work/shared/reference/tlc-figures.md). The
script checks that the counts still match and prints our seconds and states per second.
Run: python bench/tlc_ports.py [name ...]   (default: all; LamportMutex takes minutes).
"""

from __future__ import annotations

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from checker import check  # noqa: E402
from tlc.acp import ACP  # noqa: E402
from tlc.lamport_mutex import LamportMutex  # noqa: E402
from tlc.paxos import Paxos  # noqa: E402
from tlc.readers_writers import ReadersWriters  # noqa: E402
from tlc.simplified_fast_paxos import SimplifiedPaxos  # noqa: E402
from tlc.token_ring import TokenRing  # noqa: E402
from tlc.voting import Voting  # noqa: E402

# name: (spec, check options, TLC (distinct, generated, depth), TLC search seconds)
BENCH = {
    "TokenRing-N6-M6": (TokenRing(6, 6), dict(deadlock=False, liveness=False), (46656, 248832, 1), 2.10),
    "ReadersWriters-3": (ReadersWriters(3), dict(deadlock=True, liveness=False), (21527, 59674, 13), 2.49),
    # With their PROPERTY (Stab; Liveness, 12 instances) as in TokenRing.cfg and MC.cfg. TLC's
    # seconds here are its whole run ("Finished in"), measured on 2026-12-08 with the machine
    # loaded (load average 8 on 2 cores); ours under the same load (engine at 69278ae): 8.0 s
    # wall, 2.6 s CPU (safety alone 0.9 s CPU) and 2.0 s wall, 0.7 s CPU (safety 0.5 s).
    "TokenRing-N6-M6-Stab": (TokenRing(6, 6), dict(deadlock=False), (46656, 248832, 1), 30.0),
    "ReadersWriters-3-Liveness": (ReadersWriters(3), dict(deadlock=True), (21527, 59674, 13), 31.0),
    "PaxosTiny": (Paxos(3, 2, 1), dict(deadlock=True, invariants=["Inv"]), (3921, 23563, 17), 2.86),
    "ACP_NB_WRONG-continue": (
        ACP(variant="nb_wrong"), dict(deadlock=False, invariants=["AC1"], stop_on_first=False), (13756, 72616, 17), 0.58),
    # PaxosHowToWinATuringAward/MCVoting.tla: Ballot 0..2; it deadlocks once every acceptor has
    # voted in ballot 2, so TLC's "ok" means that model ran without deadlock checking.
    "HowToWin-MCVoting": (Voting(3, 2, 2), dict(deadlock=False), (6752, 41017, 16), 4.04),
    "SimplifiedFastPaxos-no-symmetry": (SimplifiedPaxos(4, 3, 2, 3), dict(deadlock=True), (48514, 491173, 22), 9.2),
    "LamportMutex": (LamportMutex(3, 6, 7), dict(deadlock=True), (724274, 2729079, 61), 20.2),
}


def run(name: str) -> bool:
    spec, options, tlc, tlc_seconds = BENCH[name]
    t0 = time.process_time()
    r = check(spec, **options)
    cpu = time.process_time() - t0
    ours = (r.distinct_states, r.generated_states, r.depth)
    same = "same counts" if ours == tlc else f"COUNTS DIFFER from TLC {tlc}"
    print(
        f"{name:24} {r.distinct_states:>8} / {r.generated_states:>8} / {r.depth:>3}  {same:12}  "
        f"{r.seconds:7.2f} s (cpu {cpu:6.2f})  {r.distinct_states / r.seconds:>8,.0f} distinct/s  "
        f"{r.generated_states / r.seconds:>9,.0f} gen/s   TLC {tlc_seconds:5.2f} s "
        f"({tlc[0] / tlc_seconds:,.0f} distinct/s)",
        flush=True,
    )
    return ours == tlc


def main(argv: list[str]) -> int:
    names = argv or list(BENCH)
    unknown = [n for n in names if n not in BENCH]
    if unknown:
        print(f"unknown: {', '.join(unknown)}; known: {', '.join(BENCH)}")
        return 2
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    ok = all([run(n) for n in names])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
