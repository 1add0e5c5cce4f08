"""How a random simulation's result is shown: the walks' figures (traces, steps, depths,
per-action fired/enabled counts), the walk that found a violation and what shrinking made
of it, and the verdict — which, without a finding, never reads as a proof.

Kept apart from terminal.py so that `check`'s output is untouched by the simulator, and
shared by the terminal, JSON and Markdown writers.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from checker.result import CheckResult, Simulation

from .values import count

NOT_CHECKED = "invariants and deadlock only (liveness properties are not checked by simulate)"


def simulation_dict(sim: Simulation | None) -> dict[str, Any] | None:
    """The `simulation` key of the JSON result (null for `check`)."""
    if sim is None:
        return None
    return {
        "seed": sim.seed, "traces": sim.traces, "steps": sim.steps, "max_depth": sim.max_depth,
        "deepest": sim.deepest, "lengths": {str(k): v for k, v in sim.lengths.items()}, "enabled": dict(sim.enabled),
        "distinct_capped": sim.distinct_capped, "swarm": sim.swarm, "workers": sim.workers, "walk": sim.walk,
        "walk_config": sim.walk_config, "found_after": sim.found_after, "original_length": sim.original_length,
        "shrunk_length": sim.shrunk_length, "shortest": sim.shortest, "shortest_above": sim.shortest_above,
        "shrink_seconds": round(sim.shrink_seconds, 6), "shrink_note": sim.shrink_note, "checks": NOT_CHECKED,
    }


def shrink_sentence(r: CheckResult) -> str:
    """'found by walk 41 after 0.3 s (uniform); shrunk from 28 to 15 states; ...'"""
    sim = r.simulation
    if sim is None or r.violation is None:
        return ""
    parts = []
    if sim.walk is not None:
        parts.append(f"found by walk {sim.walk:,} after {sim.found_after:.2f} s ({sim.walk_config})")
    else:
        parts.append("found in an initial state, before any walk")
    if sim.original_length is not None and sim.shrunk_length is not None and sim.walk is not None:
        parts.append(f"shrunk from {sim.original_length} to {sim.shrunk_length} states in {sim.shrink_seconds:.1f} s"
                     + (f" ({sim.shrink_note})" if sim.shrink_note else ""))
    shown = len(r.violation.trace)
    if sim.shortest is not None:
        parts.append(f"breadth-first search: a shortest counterexample has {sim.shortest} states"
                     + (" (shown)" if sim.shrunk_length is not None and shown < sim.shrunk_length else ""))
    elif sim.shortest_above is not None:
        parts.append(f"breadth-first search within its budget: every counterexample has more than {sim.shortest_above} states")
    return "; ".join(parts)


def summary_table(r: CheckResult) -> Table:
    from .terminal import _constants

    sim = r.simulation
    t = Table(title=escape(f"{r.spec} {_constants(r.constants)} — random simulation"), show_header=False,
              title_justify="left")
    t.add_column(style="bold")
    t.add_column(justify="right")
    seconds = (sim.found_after if sim.found_after is not None else r.seconds) or 0.0
    rows = [
        ("status", r.status),
        ("seed", str(sim.seed)),
        ("traces", f"{sim.traces:,}"),
        ("steps", f"{sim.steps:,}"),
        ("steps/s", f"{sim.steps / seconds:,.0f}" if seconds > 0 else "–"),
        ("max depth (states per walk)", f"{sim.deepest} of at most {sim.max_depth}"),
        ("distinct states seen", f"{r.distinct_states:,}" + (" (counting stopped: memory cap)" if sim.distinct_capped else "")),
        ("states generated", f"{r.generated_states:,}"),
        ("seconds", f"{r.seconds:.2f}"),
        ("swarm", sim.swarm),
        ("workers", str(sim.workers)),
        ("checks", NOT_CHECKED),
        ("invariants", ", ".join(r.invariants) or "none"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    return t


def coverage_table(r: CheckResult) -> Table:
    t = Table(title="coverage (walks)", title_justify="left")
    for col, just in (("action", "left"), ("fired", "right"), ("enabled", "right"), ("new states", "right")):
        t.add_column(col, justify=just)
    for name, c in r.coverage.items():
        enabled = r.simulation.enabled.get(name, 0)
        t.add_row(name, f"{c.fired:,}", f"{enabled:,}", f"{c.new_states:,}", style="yellow" if enabled == 0 else None)
    return t


def depth_line(sim: Simulation) -> str:
    """The depth distribution in one line: walks per length, bucketed into at most ten ranges."""
    if not sim.lengths:
        return "walk lengths: none"
    lo, hi = min(sim.lengths), max(sim.lengths)
    width = max(1, -(-(hi - lo + 1) // 10))
    buckets: dict[int, int] = {}
    for n, walks in sim.lengths.items():
        buckets[lo + (n - lo) // width * width] = buckets.get(lo + (n - lo) // width * width, 0) + walks
    parts = [f"{b}" + (f"–{min(b + width - 1, hi)}" if width > 1 else "") + f": {w:,}" for b, w in sorted(buckets.items())]
    return "walk lengths (states: walks): " + ", ".join(parts)


def verdict_text(r: CheckResult) -> Text:
    from .terminal import verdict_line

    if r.status == "no_violation":
        return Text("NO VIOLATION", style="bold yellow").append(f"  {r.reason} — random simulation, not a proof")
    text = verdict_line(r)
    if r.violation is not None and r.status in ("violation", "deadlock"):
        text.append(" (random simulation)")
    return text


def print_simulation(r: CheckResult, console: Console, full: bool = False, quiet: bool = False) -> None:
    """As `protocheck simulate` prints it."""
    from .terminal import trace_renderable

    sim = r.simulation
    if not quiet:
        console.print(summary_table(r))
        console.print(coverage_table(r))
        console.print(Text(depth_line(sim)), soft_wrap=True)
        never = [n for n, k in sim.enabled.items() if k == 0]
        if never and r.status == "no_violation":
            console.print(Text("never enabled in any walk: " + ", ".join(never), style="yellow"), soft_wrap=True)
    for v in r.violations:
        console.print(trace_renderable(v, full))
    note = shrink_sentence(r)
    if note:
        console.print(Text(note), soft_wrap=True)
    for w in r.warnings:
        console.print(Text(f"warning: {w}", style="yellow"), soft_wrap=True)
    console.print(verdict_text(r), soft_wrap=True)


def markdown_lines(r: CheckResult) -> list[str]:
    """What `--markdown` adds for a simulation."""
    sim = r.simulation
    lines = [f"Random simulation (seed {sim.seed}): {count(sim.traces, 'trace')}, {count(sim.steps, 'step')}, "
             f"{sim.deepest} max depth; {NOT_CHECKED}."]
    note = shrink_sentence(r)
    if note:
        lines.append(note[0].upper() + note[1:] + ".")
    return lines
