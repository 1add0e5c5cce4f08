"""The command line shared by the per-model bench scripts: `[--limit SECONDS] [NAME...]`,
one line per configuration with its figures and, for a violation, the trace's actions."""

from __future__ import annotations

from typing import Any

from checker import check


def run_named(bench: dict[str, tuple[Any, list[str] | None]], args: list[str], *, deadlock: bool,
              limit: float = 1800.0) -> None:
    """Check the named configurations of `bench` (all of them without names), each cut at `limit` seconds."""
    if args[:1] == ["--limit"]:
        limit, args = float(args[1]), args[2:]
    width = max(map(len, bench)) + 2
    for name in args or list(bench):
        spec, invariants = bench[name]
        r = check(spec, deadlock=deadlock, invariants=invariants, time_limit=limit, liveness=False)  # safety figures
        line = (f"{name:{width}} {r.status:10} distinct={r.distinct_states:,} generated={r.generated_states:,} "
                f"depth={r.depth} {r.seconds:.1f}s")
        if r.violation:
            v = r.violation
            line += f"\n    {v.name} in {len(v.trace)} states: " + " · ".join(s.action for s in v.trace[1:])
        print(line, flush=True)
