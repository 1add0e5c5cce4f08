"""Engine benchmarks: states/s, bytes per state and engine overhead on a fixed set of models.

    python bench/run.py                 # the standard set (a few minutes)
    python bench/run.py --only two-phase-6 synthetic-1M
    python bench/run.py --memory        # adds the 10-million-state memory run (minutes)
    python bench/run.py --json out.json

Each model runs in a fresh child process, so peak resident memory (ru_maxrss) belongs to
that model alone; bytes per state = (peak RSS - RSS before the search) / distinct states.
For two-phase commit and the synthetic spec, a bare breadth-first loop (a set of states, a
deque, the spec's own transition functions, nothing else) runs over the same spec in
another child, and the engine's time is divided by it; both run --repeat times (default 3)
and the least CPU time of each counts. Times are CPU seconds of the child (robust to other
load on the machine) and wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# name -> (target, constants, compare with a bare loop, TLC distinct count if known)
MODELS: dict[str, tuple[str, dict, bool, int | None]] = {
    "two-phase-6": ("spec.two_phase:TwoPhase", {"rms": 6}, True, 50_816),
    "two-phase-7": ("spec.two_phase:TwoPhase", {"rms": 7}, True, 296_448),
    "two-phase-8": ("spec.two_phase:TwoPhase", {"rms": 8}, True, 1_745_408),
    "synthetic-1M": ("bench.synthetic:Grid", {"width": 1000, "height": 1000}, True, 1_000_000),
    "zk-election": ("zk-election", {}, False, None),
    # the default's write and crash, over the disks an epoch-1 ensemble left ((1,1) on 0 and 1), up to epoch 3
    "zk-election-larger": ("zk-election", {"recovered_logs": (1, 1, 0), "max_epoch": 3}, False, None),
    "kafka-producer": ("kafka-producer", {}, False, None),
    "kafka-producer-larger": ("kafka-producer", {"records": 4}, False, None),
    "kafka-replication": ("kafka-replication", {}, False, None),
    "kafka-replication-larger": ("kafka-replication", {"max_crashes": 2}, False, None),  # 186,082 states
    "kafka-controller": ("kafka-controller", {}, False, None),
    "kafka-controller-larger": ("kafka-controller", {"max_expirations": 2}, False, None),
    "kafka-consumer-group": ("kafka-consumer-group", {}, False, None),
    "kafka-consumer-group-larger": ("kafka-consumer-group", {"records": 2}, False, None),
    "kafka-transactions": ("kafka-transactions", {}, False, None),
    "kafka-transactions-larger": ("kafka-transactions", {"inputs": 3}, False, None),
}
MEMORY_MODELS = {"synthetic-10M": ("bench.synthetic:Grid", {"width": 3163, "height": 3163}, False, 10_004_569)}


def _rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _spec(target: str, constants: dict):
    from protocheck.suite import coerce_constants
    from protocheck.targets import load_class

    cls = load_class(target)
    return cls(**coerce_constants(cls, constants))  # the child gets constants as JSON: arrays back to tuples


def child_engine(target: str, constants: dict) -> dict:
    from checker import check

    spec = _spec(target, constants)
    base_kb = _rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    r = check(spec, deadlock=False, liveness=False)  # the safety engine; liveness: bench/liveness.py
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n = r.distinct_states
    return {
        "status": r.status, "distinct": n, "generated": r.generated_states, "depth": r.depth,
        "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
        "distinct_per_cpu_second": round(n / cpu) if cpu else None,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "bytes_per_state": round((peak_kb - base_kb) * 1024 / n, 1) if n else None,
    }


def child_bare(target: str, constants: dict) -> dict:
    """The bare loop the engine is measured against: no invariants, no parents, no counts
    beyond the two it must have."""
    from collections import deque

    from checker.spec import describe

    spec = _spec(target, constants)
    acts = [(a.fn, a.domains) for a in describe(type(spec)).actions]
    cpu = time.process_time()
    init = list(spec.init())
    seen, queue, generated = set(init), deque(init), len(init)
    while queue:
        s = queue.popleft()
        for fn, doms in acts:
            if doms:
                for v in doms[0](spec, s):
                    t = fn(spec, s, v)
                    if t is not None:
                        generated += 1
                        if t not in seen:
                            seen.add(t)
                            queue.append(t)
            else:
                t = fn(spec, s)
                if t is not None:
                    generated += 1
                    if t not in seen:
                        seen.add(t)
                        queue.append(t)
    return {"distinct": len(seen), "generated": generated, "cpu_seconds": round(time.process_time() - cpu, 3)}


def run_child(mode: str, name: str, table: dict) -> dict:
    target, constants, _, _ = table[name]
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, target, json.dumps(constants)],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout)


def best_of(n: int, mode: str, name: str, table: dict) -> dict:
    """The run with the least CPU time of n: timing noise only ever adds time (as timeit does)."""
    runs = [run_child(mode, name, table) for _ in range(n)]
    return min(runs, key=lambda r: r.get("cpu_seconds", float("inf")))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", metavar="NAME")
    ap.add_argument("--memory", action="store_true", help="also run the 10-million-state memory benchmark")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--repeat", type=int, default=3, metavar="N",
                    help="runs of the engine and of the bare loop where they are compared; the least CPU time counts (default 3)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, target, constants = args.child
        fn = child_engine if mode == "engine" else child_bare
        print(json.dumps(fn(target, json.loads(constants))))
        return 0
    table = dict(MODELS, **(MEMORY_MODELS if args.memory or (args.only and set(args.only) & set(MEMORY_MODELS)) else {}))
    names = args.only or list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; known: {', '.join(list(MODELS) + list(MEMORY_MODELS))}")
    machine = {"python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor() or "?",
               "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    print(f"protocheck bench — Python {machine['python']} on {machine['machine']}, {machine['cpus']} cpus, {machine['date']}")
    print(f"{'model':28} {'status':10} {'distinct':>10} {'generated':>11} {'depth':>5} {'cpu s':>7} {'wall s':>7} "
          f"{'states/s':>9} {'peak MB':>8} {'B/state':>8} {'bare s':>7} {'ratio':>6}")
    rows = []
    for name in names:
        compare = table[name][2]
        row = {"name": name, "constants": table[name][1], **best_of(args.repeat if compare else 1, "engine", name, table)}
        if "error" not in row and compare:
            bare = best_of(args.repeat, "bare", name, table)
            row["bare_cpu_seconds"] = bare.get("cpu_seconds")
            row["repeat"] = args.repeat
            if bare.get("distinct") != row["distinct"]:
                row["bare_mismatch"] = bare
            elif bare.get("cpu_seconds"):
                row["overhead_ratio"] = round(row["cpu_seconds"] / bare["cpu_seconds"], 2)
        tlc = table[name][3]
        if tlc is not None and row.get("distinct") not in (None, tlc):
            row["tlc_mismatch"] = tlc
        rows.append(row)
        if "error" in row:
            print(f"{name:28} error: {row['error']}")
            continue
        print(f"{name:28} {row['status']:10} {row['distinct']:>10,} {row['generated']:>11,} {row['depth']:>5} "
              f"{row['cpu_seconds']:>7.2f} {row['wall_seconds']:>7.2f} {row['distinct_per_cpu_second'] or 0:>9,} "
              f"{row['peak_rss_mb']:>8.1f} {row['bytes_per_state'] or 0:>8.1f} "
              f"{row.get('bare_cpu_seconds') or '':>7} {row.get('overhead_ratio') or '':>6}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": machine, "results": rows}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
