"""Liveness cost: the same model checked for its invariants only and with a liveness
property, in fresh child processes; prints states, transitions, CPU seconds of each, their
ratio (the issue's target: at most 3x) and the extra bytes per state (target: at most 100).

    python bench/liveness.py                 # two-phase 7 RMs (296,448 states)
    python bench/liveness.py two-phase-8     # 1,745,408 states (a few minutes)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CASES = {  # name -> (target, constants)
    "two-phase-6": ("bench.liveness_specs:TwoPhaseLive", {"rms": 6}),
    "two-phase-7": ("bench.liveness_specs:TwoPhaseLive", {"rms": 7}),
    "two-phase-8": ("bench.liveness_specs:TwoPhaseLive", {"rms": 8}),
}


def child(target: str, constants: dict, live: bool) -> dict:
    from checker import check
    from protocheck.suite import coerce_constants
    from protocheck.targets import load_class

    cls = load_class(target)
    spec = cls(**coerce_constants(cls, constants))  # JSON arrays back to tuples
    before = resource.getrusage(resource.RUSAGE_SELF)
    rss0 = before.ru_maxrss
    t0 = time.process_time()
    r = check(spec, deadlock=False, liveness=live)
    cpu = time.process_time() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"status": r.status, "distinct": r.distinct_states, "transitions": r.transitions, "cpu": cpu,
            "bytes_per_state": (rss - rss0) * 1024 / max(r.distinct_states, 1), "properties": r.properties}


def run(name: str) -> None:
    target, constants = CASES[name]
    got = {}
    for live in (False, True):
        out = subprocess.run([sys.executable, __file__, "--child", target, json.dumps(constants), str(live)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        got[live] = json.loads(out.stdout.strip().splitlines()[-1])
    s, l = got[False], got[True]
    print(f"{name}: {s['distinct']:,} states, {l['transitions']:,} transitions; safety {s['cpu']:.1f} s "
          f"{s['bytes_per_state']:.0f} B/state; with {', '.join(l['properties'])}: {l['status']} {l['cpu']:.1f} s "
          f"{l['bytes_per_state']:.0f} B/state -> time x{l['cpu'] / s['cpu']:.2f}, "
          f"+{l['bytes_per_state'] - s['bytes_per_state']:.0f} B/state", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "True")))
    else:
        for name in sys.argv[1:] or ["two-phase-7"]:
            run(name)
