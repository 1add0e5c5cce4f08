"""Speed-up of the parallel search: two-phase commit at 7 and 8 resource managers
(TLC: 296,448 and 1,745,408 distinct states) with 1 and 2 workers.

Prints wall time and CPU time (this process plus its workers). On a shared machine wall
time depends on the other load, so the CPU figures are the steadier ones: with the
fingerprint space split evenly, each worker does about CPU/workers, and
`cpu speed-up` = one-process CPU / (CPU of the parallel run / workers) is the speed-up an
otherwise idle machine would show, up to the time workers wait at level barriers.

With `--repeat N` each model runs N rounds, every round all worker counts back to back,
and each speed-up is against the same round's first run: on a VM whose speed drifts from
one minute to the next, only runs made side by side compare. The median follows.

    python bench/parallel.py [--rms 7 8] [--workers 1 2] [--bundled] [--repeat N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checker import check  # noqa: E402
from spec.two_phase import TwoPhase  # noqa: E402


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# --bundled: the larger configurations of bundled protocol models (as in bench/run.py)
BUNDLED_MODELS = {
    "zk-election-larger": ("zk-election", {"recovered_logs": (1, 1, 0), "max_epoch": 3}),  # staged disks + a write
    "kafka-replication-larger": ("kafka-replication", {"max_crashes": 2}),
    "kafka-controller-larger": ("kafka-controller", {"max_expirations": 2}),
}


def measure(rms: int | str, workers: int) -> dict:
    """Two-phase commit with `rms` resource managers, or a BUNDLED_MODELS entry by name."""
    deadlock = isinstance(rms, int)  # the bundled models stop at their bounds by design
    if isinstance(rms, int):
        spec = TwoPhase(rms=rms)
    else:
        from protocheck.targets import load_class
        from spec import BUNDLED

        name, constants = BUNDLED_MODELS[rms]
        spec = load_class(BUNDLED[name])(**constants)
    c0, t0 = cpu_seconds(), time.perf_counter()
    r = check(spec, workers=workers, deadlock=deadlock, liveness=False)  # parallel search is safety only
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return {"rms": rms, "workers": workers, "status": r.status, "distinct": r.distinct_states,
            "generated": r.generated_states, "depth": r.depth, "wall": wall, "cpu": cpu}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rms", type=int, nargs="+", default=[7, 8])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--bundled", action="store_true", help="also the larger bundled protocol models")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per model, speed-ups within a round (default 1)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {load[0]:.1f} at start, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'rms / model':>24} {'workers':>7} {'distinct':>10} {'generated':>11} {'depth':>5} {'wall s':>7} {'cpu s':>7} "
          f"{'wall speed-up':>13} {'cpu speed-up':>12}")
    rows = []
    for rms in args.rms + (list(BUNDLED_MODELS) if args.bundled else []):
        speedups: dict[int, list[float]] = {w: [] for w in args.workers}
        for _ in range(args.repeat):
            base = None
            for w in args.workers:
                m = measure(rms, w)
                if base is None:
                    base = m
                m["wall_speedup"] = base["wall"] / m["wall"]
                m["cpu_speedup"] = base["cpu"] / (m["cpu"] / w)
                assert (m["distinct"], m["generated"], m["depth"]) == (base["distinct"], base["generated"], base["depth"])
                rows.append(m)
                speedups[w].append(m["wall_speedup"])
                print(f"{rms!s:>24} {w:>7} {m['distinct']:>10,} {m['generated']:>11,} {m['depth']:>5} {m['wall']:>7.2f} "
                      f"{m['cpu']:>7.2f} {m['wall_speedup']:>12.2f}x {m['cpu_speedup']:>11.2f}x", flush=True)
        if args.repeat > 1:
            print("# median wall speed-up over the rounds: " + ", ".join(
                f"{w} workers {statistics.median(v):.2f}x" for w, v in speedups.items() if w != args.workers[0]))
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"# load average {os.getloadavg()[0]:.1f} at the end; peak resident memory: this process "
          f"{own.ru_maxrss / 1024:.0f} MB, largest worker {kids.ru_maxrss / 1024:.0f} MB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "load_start": load, "python": platform.python_version(),
                       "cores": os.cpu_count()}, f, indent=2)


if __name__ == "__main__":
    main()
