"""What the state representation costs: one model, seven representations, same states.

    python bench/state_types.py                 # whole-model checks (3 rounds) + micro-benchmark
    python bench/state_types.py --rounds 5 --json out.json
    python bench/state_types.py --micro-only

Whole model: the vote-exchange model of bench/vote_exchange.py (175,624 distinct states at
n=3), written with plain tuples, typing.NamedTuple (`_replace`, direct construction),
`@checker.record` (`replace`), attrs frozen (`attrs.evolve`, direct) and
dataclass(frozen=True) (`dataclasses.replace`). Each check runs in a fresh child process
(`checker.check`, and the bare breadth-first loop of bench/run.py for the cost without the
engine); times are CPU seconds of the child, the least over the rounds, and the variants take
turns in each round, so load on the shared machine falls on all of them alike.

Micro: ns per operation on a 4-field state — build from fields, hash, replace one field,
replace two, read one field — and each representation's ratio to a plain tuple.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
import timeit
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

MODEL = "bench.vote_exchange"


def child(kind: str, name: str) -> dict[str, Any]:
    """One measurement in this (fresh) process: `check` or the bare loop over variant `name`."""
    from bench.vote_exchange import VARIANTS

    cls = VARIANTS[name]
    if kind == "bare":
        from bench.run import child_bare

        return child_bare(f"{MODEL}:{cls.__name__}", {})
    from checker import check

    cpu = time.process_time()
    r = check(cls())
    cpu = time.process_time() - cpu
    return {"status": r.status, "distinct": r.distinct_states, "generated": r.generated_states,
            "depth": r.depth, "cpu_seconds": round(cpu, 3)}


def run_child(kind: str, name: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, name], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="0"))
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout)


def whole_model(rounds: int, bare: bool) -> list[dict[str, Any]]:
    from bench.vote_exchange import VARIANTS

    best: dict[str, dict[str, Any]] = {}
    kinds = ["check", "bare"] if bare else ["check"]
    for r in range(rounds):
        for name in VARIANTS:
            for kind in kinds:
                res = run_child(kind, name)
                if "error" in res:
                    raise SystemExit(f"{name} ({kind}): {res['error']}")
                row = best.setdefault(name, {"name": name})
                key = f"{kind}_cpu_seconds"
                row[key] = min(row.get(key, float("inf")), res["cpu_seconds"])
                if kind == "check":
                    row.update({k: res[k] for k in ("status", "distinct", "generated", "depth")})
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    rows = list(best.values())
    base = rows[0]
    for row in rows:
        for kind in kinds:
            row[f"{kind}_ratio"] = round(row[f"{kind}_cpu_seconds"] / base[f"{kind}_cpu_seconds"], 2)
        if (row["distinct"], row["generated"]) != (base["distinct"], base["generated"]):
            raise SystemExit(f"{row['name']} explored {row['distinct']} states, tuples {base['distinct']}: not the same model")
    return rows


# -- micro-benchmark -------------------------------------------------------------------------------


def micro(number: int) -> list[dict[str, Any]]:
    from bench.vote_exchange import AS, DS, NT, Rec, initial

    import attrs

    vote, recv, net, leader = initial(3)
    v2 = (1, 1, 2)
    reps = {
        "tuple": ((vote, recv, net, leader), "(a, b, c, d)", "(s[0], s[1], x, s[3])",
                  "(x, s[1], x, s[3])", "s[2]"),
        "NamedTuple _replace": (NT(vote, recv, net, leader), "C(a, b, c, d)", "s._replace(net=x)",
                                "s._replace(vote=x, net=x)", "s.net"),
        "NamedTuple direct": (NT(vote, recv, net, leader), "C(a, b, c, d)", "C(s.vote, s.recv, x, s.leader)",
                              "C(x, s.recv, x, s.leader)", "s.net"),
        "@record replace": (Rec(vote, recv, net, leader), "C(a, b, c, d)", "s.replace(net=x)",
                            "s.replace(vote=x, net=x)", "s.net"),
        "attrs.frozen evolve": (AS(vote, recv, net, leader), "C(a, b, c, d)", "evolve(s, net=x)",
                                "evolve(s, vote=x, net=x)", "s.net"),
        "attrs.frozen direct": (AS(vote, recv, net, leader), "C(a, b, c, d)", "C(s.vote, s.recv, x, s.leader)",
                                "C(x, s.recv, x, s.leader)", "s.net"),
        "dataclass(frozen) replace": (DS(vote, recv, net, leader), "C(a, b, c, d)", "replace(s, net=x)",
                                      "replace(s, vote=x, net=x)", "s.net"),
    }
    ops = ("build", "hash", "replace 1", "replace 2", "read")
    rows = []
    for name, (s, build, rep1, rep2, read) in reps.items():
        env = {"s": s, "C": type(s), "a": vote, "b": recv, "c": net, "d": leader, "x": v2,
               "evolve": attrs.evolve, "replace": dataclasses.replace}
        row: dict[str, Any] = {"name": name}
        for op, stmt in zip(ops, (build, "hash(s)", rep1, rep2, read)):
            t = min(timeit.repeat(stmt, globals=env, number=number, repeat=5, timer=time.process_time))
            row[op] = round(t / number * 1e9)
        rows.append(row)
    base = rows[0]
    for row in rows:
        row["ratios"] = {op: round(row[op] / base[op], 2) for op in ops}
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each variant; the least CPU time counts")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-loop runs")
    ap.add_argument("--micro-only", action="store_true")
    ap.add_argument("--number", type=int, default=200_000, help="micro-benchmark loop count")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    out: dict[str, Any] = {"machine": {"python": platform.python_version(), "machine": platform.machine(),
                                       "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}}
    print(f"state representations — Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cpus, {time.strftime('%Y-%m-%d')}")
    if not args.micro_only:
        rows = whole_model(args.rounds, not args.no_bare)
        out["whole_model"] = rows
        r0 = rows[0]
        print(f"\nvote exchange, n=3, lossy: {r0['distinct']:,} distinct, {r0['generated']:,} generated, depth {r0['depth']}; "
              f"CPU s, least of {args.rounds}")
        print(f"{'representation':28} {'check s':>8} {'÷ tuple':>8}" + ("" if args.no_bare else f" {'bare s':>8} {'÷ tuple':>8}"))
        for row in rows:
            line = f"{row['name']:28} {row['check_cpu_seconds']:>8.2f} {row['check_ratio']:>8.2f}"
            if not args.no_bare:
                line += f" {row['bare_cpu_seconds']:>8.2f} {row['bare_ratio']:>8.2f}"
            print(line)
    rows = micro(args.number)
    out["micro"] = rows
    ops = ("build", "hash", "replace 1", "replace 2", "read")
    print("\nper operation, 4-field state: ns (÷ tuple)")
    print(f"{'representation':28}" + "".join(f" {op:>14}" for op in ops))
    for row in rows:
        print(f"{row['name']:28}" + "".join(f" {row[op]:>6} ({row['ratios'][op]:>4.1f})" for op in ops))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
