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

Bundled models (`--bundled`): each model of bench/run.py's table as it is, and with
`@record` applied at import to the NamedTuple classes of its module (which makes their
`_replace` the generated one): the gain a model gets from the one-line change.

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
BUNDLED_DEFAULT = ["two-phase-7", "zk-election", "kafka-producer", "kafka-replication", "kafka-controller",
                   "kafka-consumer-group", "kafka-transactions"]


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


# -- bundled models, as they are and with @record ----------------------------------------------


def child_bundled(mode: str, name: str) -> dict[str, Any]:
    import importlib

    from bench.run import MODELS
    from checker import check
    from protocheck.targets import load_class
    from checker.record import is_record, record

    target, constants, _, _ = MODELS[name]
    cls = load_class(target)
    decorated = []
    if mode == "record":
        mod = importlib.import_module(cls.__module__)
        for attr, obj in vars(mod).items():
            if is_record(obj) and obj.__module__ == mod.__name__ and "replace" not in vars(obj):
                record(obj)
                decorated.append(attr)
    cpu = time.process_time()
    r = check(cls(**constants), deadlock=False)
    return {"distinct": r.distinct_states, "cpu_seconds": round(time.process_time() - cpu, 3), "decorated": decorated}


def bundled(names: list[str], rounds: int) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        row: dict[str, Any] = {"name": name}
        for _ in range(rounds):
            for mode in ("as is", "record"):
                out = subprocess.run([sys.executable, __file__, "--child-bundled", mode, name], capture_output=True,
                                     text=True, cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="0"))
                if out.returncode != 0:
                    raise SystemExit(f"{name} ({mode}): {(out.stderr.strip().splitlines() or ['failed'])[-1]}")
                res = json.loads(out.stdout)
                row[mode] = min(row.get(mode, float("inf")), res["cpu_seconds"])
                if row.setdefault("distinct", res["distinct"]) != res["distinct"]:
                    raise SystemExit(f"{name}: {res['distinct']} states with @record, {row['distinct']} without")
                if mode == "record":
                    row["decorated"] = res["decorated"]
        row["ratio"] = round(row["record"] / row["as is"], 2)
        rows.append(row)
        print(f"{name:28} {row['distinct']:>10,} {row['as is']:>8.2f} {row['record']:>8.2f} {row['ratio']:>6.2f}  "
              f"{', '.join(row['decorated'])}", flush=True)
    return rows


# -- micro-benchmark -------------------------------------------------------------------------------


def micro(number: int, repeat: int = 7) -> list[dict[str, Any]]:
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
    timers = []
    for name, (s, build, rep1, rep2, read) in reps.items():
        env = {"s": s, "C": type(s), "a": vote, "b": recv, "c": net, "d": leader, "x": v2,
               "evolve": attrs.evolve, "replace": dataclasses.replace}
        for op, stmt in zip(ops, (build, "hash(s)", rep1, rep2, read)):
            timers.append((name, op, timeit.Timer(stmt, globals=env, timer=time.process_time)))
    best: dict[tuple[str, str], float] = {}
    for _ in range(repeat):  # rounds over every cell, so a burst of load on the machine hits one round, not one cell
        for name, op, timer in timers:
            best[name, op] = min(best.get((name, op), float("inf")), timer.timeit(number))
    rows = [{"name": name, **{op: round(best[name, op] / number * 1e9) for op in ops}} for name in reps]
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
    ap.add_argument("--bundled", nargs="*", metavar="NAME",
                    help="bundled models of bench/run.py (default: those listed in BUNDLED_DEFAULT), as is and with @record")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--child-bundled", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.child_bundled:
        print(json.dumps(child_bundled(*args.child_bundled)))
        return 0
    out: dict[str, Any] = {"machine": {"python": platform.python_version(), "machine": platform.machine(),
                                       "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}}
    print(f"state representations — Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cpus, {time.strftime('%Y-%m-%d')}")
    if args.bundled is not None:
        print(f"\nbundled models, CPU s (least of {args.rounds}): as is, with @record, ratio; classes decorated")
        print(f"{'model':28} {'distinct':>10} {'as is':>8} {'record':>8} {'ratio':>6}")
        out["bundled"] = bundled(args.bundled or BUNDLED_DEFAULT, args.rounds)
    elif not args.micro_only:
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
    if args.bundled is None:
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
