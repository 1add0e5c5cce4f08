"""Random simulation benchmarks (docs/simulate.md has the figures):

  speed    steps/s of simulate() against a bare random-walk loop over the same spec functions
  swarm    walks and seconds to the first violation: uniform walks, fixed swarm, phased swarm, mixed
  shrink   shrunk length (the passes only, no BFS) against BFS's shortest, per spec and seed
  reach    the bugs beyond exhaustive reach (the models.toml simulate entries' configurations)

Usage: python bench/simulate.py [speed|swarm|shrink|reach]... [--seeds N] [--limit S]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker import check, simulate  # noqa: E402
from checker import swarm as swarm_mod  # noqa: E402
from checker.spec import describe  # noqa: E402
from checker.successors import order_key  # noqa: E402
from spec.diehard import DieHard  # noqa: E402
from spec.two_phase import TwoPhase  # noqa: E402
from spec.zk_election import ZkElection  # noqa: E402


def bare_walks(spec, seed: int, traces: int, max_depth: int) -> int:
    """What a user would write: per step every enabled instance, one at random, the invariants
    on the state taken. Returns the steps taken."""
    info = describe(type(spec))
    rng = random.Random(seed)
    acts = [(a.fn, a.domains) for a in info.actions]
    inits = list(spec.init())
    invs = list(info.invariants.values())
    steps = 0
    for _ in range(traces):
        s = rng.choice(inits)
        for _ in range(max_depth - 1):
            succ = []
            for fn, doms in acts:
                if not doms:
                    t = fn(spec, s)
                    if t is not None:
                        succ.append(t)
                    continue
                for args in itertools.product(*[d(spec, s) for d in doms]):
                    t = fn(spec, s, *args)
                    if t is not None:
                        succ.append(t)
            if not succ:
                break
            s = rng.choice(succ)
            steps += 1
            for inv in invs:
                if inv(spec, s) is not True:
                    raise AssertionError("the speed rows use bug-free configurations")
    return steps


SPEED = [("two-phase 3 RMs", TwoPhase(rms=3), 2000), ("two-phase 7 RMs", TwoPhase(rms=7), 500),
         ("zk-election default", ZkElection(), 300), ("zk-election 5 servers", ZkElection(servers=5), 100)]


def speed(args) -> None:
    print(f"{'spec':24} {'bare steps/s':>13} {'simulate steps/s':>17} {'time ratio':>11}  (simulate CPU time / bare, uniform walks)")
    for name, spec, traces in SPEED:
        simulate(spec, traces=5, swarm="off")  # generate the successor function once
        best_bare = best_sim = 0.0
        for _ in range(3):  # best of three, back to back: the machine is shared
            t0 = time.process_time()
            steps = bare_walks(spec, 1, traces, 100)
            best_bare = max(best_bare, steps / (time.process_time() - t0))
            t0 = time.process_time()
            r = simulate(spec, seed=1, traces=traces, swarm="off")
            best_sim = max(best_sim, r.simulation.steps / (time.process_time() - t0))
        print(f"{name:24} {best_bare:>13,.0f} {best_sim:>17,.0f} {best_bare / best_sim:>10.2f}x", flush=True)


# the swarm variants, forced by replacing swarm.draw (the library offers mixed / on / off)
def _actions(rng, n, mode):
    while True:
        mask = tuple(rng.random() < 0.5 for _ in range(n))
        if any(mask) and not all(mask):
            return mask, 0


def _instances(rng, n, mode):
    return swarm_mod.Instances(rng.getrandbits(32)), 0


def _atoms(value: Any, out: list) -> list:
    """The scalar values inside an argument tuple: (2, 0) of deliver(link=(2, 0)) gives 2 and 0."""
    if isinstance(value, (tuple, frozenset)):
        for v in (value if isinstance(value, tuple) else sorted(value, key=order_key)):
            _atoms(v, out)
    else:
        out.append(value)
    return out


def _crc(value: Any) -> int:
    return zlib.crc32(repr(order_key(value)).encode())


class Values:
    """Measured, not kept in checker/swarm.py. A configuration over argument values: an instance is preferred when every value in its
    arguments is — with server ids as arguments, "only servers 1 and 2 act" (server 0 is
    partitioned away or slow), which is how Jepsen-style fault injection thinks. Each value
    is preferred when a CRC of it, salted per walk, is odd (seed-free, as for Instances)."""

    __slots__ = ("salt",)
    keys: dict = {}

    def __init__(self, salt: int):
        self.salt = salt

    def __getitem__(self, item: tuple) -> bool:
        keys = Values.keys.get(item[1])
        if keys is None:
            keys = Values.keys[item[1]] = tuple(_crc(v) for v in _atoms(item[1], []))
        salt = self.salt
        return all(((k ^ salt) * 0x9E3779B1 >> 16) & 1 for k in keys)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Values) and other.salt == self.salt

    def __hash__(self) -> int:
        return self.salt


def _values(rng, n, mode):
    return Values(rng.getrandbits(32)), 0


def _phased_values(rng, n, mode):
    return Values(rng.getrandbits(32)), rng.randint(*swarm_mod.PERIODS)


def _phased(rng, n, mode):
    return swarm_mod.subset(rng, n), rng.randint(*swarm_mod.PERIODS)


VARIANTS = {"uniform": ("off", None), "action swarm": ("on", _actions), "instance swarm": ("on", _instances),
            "value swarm": ("on", _values), "phased swarm": ("on", _phased), "phased values": ("on", _phased_values),
            "mixed (default)": ("mixed", None)}

TARGETS = [
    ("quorum='half', 4 servers", ZkElection(servers=4, quorum="half"), "one_leader_per_epoch", 100),
    ("quorum='half', 5 servers", ZkElection(servers=5, quorum="half"), "one_leader_per_epoch", 100),
    ("epoch_fencing=False fresh start", ZkElection(epoch_fencing=False, max_crashes=2, max_round=2, max_writes=0),
     "no_stale_leader_accepted", 100),
    ("ZOOKEEPER-1154 fresh start", ZkElection(sync_truncates=False, max_writes=3, max_round=2), "logs_prefix_consistent", 150),
]


def swarm(args) -> None:
    original = swarm_mod.draw
    print(f"{'target':30} {'variant':16} {'found':>6} {'median walks':>13} {'median s':>9}  (seeds 0..{args.seeds - 1}, "
          f"{args.limit:g} s each)")
    for title, spec, inv, depth in TARGETS:
        if args.only and args.only not in title:
            continue
        for variant, (mode, draw) in VARIANTS.items():
            swarm_mod.draw = draw or original
            walks, secs = [], []
            try:
                for seed in range(args.seeds):
                    r = simulate(spec, seed=seed, invariants=[inv], max_depth=depth, time_limit=args.limit, swarm=mode,
                                 shrink=False)
                    if r.status == "violation":
                        walks.append(r.simulation.walk + 1)
                        secs.append(r.simulation.found_after)
            finally:
                swarm_mod.draw = original
            med = lambda xs: sorted(xs)[len(xs) // 2] if xs else float("nan")  # noqa: E731
            print(f"{title:30} {variant:16} {len(walks):>3}/{args.seeds:<2} {med(walks):>13,.0f} {med(secs):>9.1f}", flush=True)


def _small_specs():
    from tests.specs_for_tests import Grid, Words
    from tests.tlc.acp import ACP
    from tests.tlc.missionaries import MissionariesAndCannibals

    return [
        ("diehard", DieHard(), "big_is_not_goal", True),
        ("grid n=4 not_far", Grid(n=4), "not_far", True),
        ("words small", Words(), "small", True),
        ("missionaries Solution", MissionariesAndCannibals(), "Solution", True),
        ("ACP nb_wrong AC1", ACP(variant="nb_wrong"), "AC1", False),
        ("zk quorum='half' (3)", ZkElection(quorum="half"), "one_leader_per_epoch", False),
        ("zk zk-1419", ZkElection(vote_order="zk-1419"), "votes_only_improve", False),
        ("zk sid-only", ZkElection(vote_order="sid-only", ahead_check=False, recovered_logs=(1, 1, 0), max_crashes=0),
         "leader_has_latest_committed", False),
        ("zk ZOOKEEPER-1154 (disks)", ZkElection(sync_truncates=False, recovered_logs=(1, 1, 2), max_crashes=0),
         "logs_prefix_consistent", False),
        ("zk ZOOKEEPER-4643 (disks)", ZkElection(epoch_before_txns=True, recovered_logs=(1, 1, 0), max_epoch=3, max_writes=0),
         "leader_has_latest_committed", False),
    ]


def shrink(args) -> None:
    print(f"{'spec':28} {'BFS shortest':>12} {'walk lengths':>18} {'shrunk lengths':>24} {'= shortest':>10} {'shrink s':>8}")
    equal = total = 0
    for title, spec, inv, deadlock in _small_specs():
        shortest = len(check(spec, invariants=[inv], deadlock=deadlock).violation.trace)
        walks, shrunk, secs = [], [], []
        for seed in range(args.seeds):
            r = simulate(spec, seed=seed, invariants=[inv], deadlock=deadlock, time_limit=args.limit, bfs_states=0)
            if r.status != "violation":
                continue
            walks.append(r.simulation.original_length)
            shrunk.append(r.simulation.shrunk_length)
            secs.append(r.simulation.shrink_seconds)
        hits = sum(1 for n in shrunk if n == shortest)
        equal, total = equal + hits, total + len(shrunk)
        span = lambda xs: f"{min(xs)}–{max(xs)}" if xs else "–"  # noqa: E731
        print(f"{title:28} {shortest:>12} {span(walks):>18} {span(shrunk):>24} {hits:>5}/{len(shrunk):<4} "
              f"{max(secs, default=0):>8.1f}", flush=True)
    print(f"shrunk = BFS shortest in {equal} of {total} runs ({100 * equal / max(total, 1):.0f}%)")


REACH = [
    ("zk-election-half-4-servers-sim", ZkElection(servers=4, quorum="half"), "one_leader_per_epoch", 100),
    ("zk-election-half-5-servers-sim", ZkElection(servers=5, quorum="half"), "one_leader_per_epoch", 100),
    ("zk-election-zk1154-fresh-sim", ZkElection(sync_truncates=False, max_writes=3, max_round=2), "logs_prefix_consistent", 150),
]


def reach(args) -> None:
    for title, spec, inv, depth in REACH:
        for seed in range(args.seeds):
            r = simulate(spec, seed=seed, invariants=[inv], max_depth=depth, time_limit=args.limit)
            s = r.simulation
            print(f"{title:34} seed {seed}: {r.status:12} walk {s.walk} after {s.found_after or 0:.1f} s; "
                  f"{s.original_length} -> {s.shrunk_length} states (shrinking {s.shrink_seconds:.1f} s); "
                  f"BFS: shortest {s.shortest}, or more than {s.shortest_above}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("parts", nargs="*", default=["speed", "swarm", "shrink", "reach"])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--limit", type=float, default=120.0, help="time limit per simulate() run, seconds")
    p.add_argument("--only", default="", help="swarm: only the targets whose title contains this")
    args = p.parse_args()
    for part in args.parts:
        print(f"== {part}")
        globals()[part](args)


if __name__ == "__main__":
    main()
