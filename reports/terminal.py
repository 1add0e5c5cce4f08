"""Terminal rendering with rich: summary, coverage, and counterexamples as step-by-step diffs."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from checker.result import CheckResult, Violation

from .lasso import CYCLE_STARTS, closing, closing_change, is_lasso, lasso_found, lasso_size, properties_hold, vacuity_notes
from .values import change_text, count, diff, show, top_fields, trace_size, violation_head, violation_what, when_found

_STATUS_STYLE = {"ok": "bold green", "violation": "bold red", "deadlock": "bold red", "error": "bold red",
                 "incomplete": "bold yellow", "interrupted": "bold yellow", "no_violation": "bold yellow"}


def verdict_line(r: CheckResult) -> Text:
    style = _STATUS_STYLE[r.status]
    text = Text(r.status.upper(), style=style)
    if r.status == "ok":
        text.append(f"  no invariant violated{' and no deadlock' if r.deadlock_checked else ''} in {r.distinct_states:,} distinct states")
        if r.properties:
            text.append(f"; {properties_hold(r)}")
    elif r.violation is not None:
        v = r.violation
        text.append(f"  {violation_what(v)} {lasso_found(v) if is_lasso(v) else when_found(v.trace)}")
    if r.reason and r.status in ("incomplete", "interrupted"):
        text.append(f"  ({r.reason}; the search did NOT cover every state)")
    elif r.reason and r.status in ("violation", "deadlock"):  # --continue, then a limit or Ctrl-C
        text.append(f"; then the search was cut short ({r.reason}) and did NOT cover every state", style="bold yellow")
    return text


def violating_counts(r: CheckResult) -> Text:
    """After --continue: how many states broke each invariant (one trace is kept for each)."""
    if not r.violating_states:
        return Text("violating states met: not counted by a parallel search (--workers 1 counts them)", style="yellow")
    parts = [f"{count(n, 'state')} {'deadlocked' if name == 'deadlock' else 'breaking ' + name}"
             for name, n in r.violating_states.items()]
    cut = " so far (the search was cut short)" if r.reason else ""
    return Text(f"violating states met{cut}: " + ", ".join(parts) + " (one trace shown for each)", style="bold red")


def summary_table(r: CheckResult) -> Table:
    t = Table(title=escape(f"{r.spec} {_constants(r.constants)}"), show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column(justify="right")
    rows = [
        ("status", r.status),
        ("distinct states", f"{r.distinct_states:,}"),
        ("states generated", f"{r.generated_states:,}"),
        ("depth", str(r.depth)),
        ("seconds", f"{r.seconds:.2f}"),
        ("distinct states/s", f"{r.states_per_second:,.0f}"),
        ("invariants", ", ".join(r.invariants) or "none"),
        *((("properties", ", ".join(r.properties)), ("transitions", f"{r.transitions:,}")) if r.properties else ()),
        ("fingerprint collision probability", f"{r.collision_probability:.1e}"),
        ("symmetry", f"{r.symmetry} permutations (one state per orbit)" if r.symmetry else "none"),
    ]
    if r.reduction:
        rows.append(("partial-order reduction", f"{r.expanded_reduced:,} states expanded reduced, "
                                                f"{r.expanded_fully:,} fully"))
    if r.queue:
        rows.append(("states left in queue", f"{r.queue:,}"))
    for k, v in rows:
        t.add_row(k, v)
    return t


def coverage_table(r: CheckResult) -> Table:
    t = Table(title="coverage", title_justify="left")
    t.add_column("action")
    t.add_column("fired", justify="right")
    t.add_column("new states", justify="right")
    for name, c in r.coverage.items():
        style = "yellow" if c.fired == 0 else None
        t.add_row(name, f"{c.fired:,}", f"{c.new_states:,}", style=style)
    return t


def never_fired_note(r: CheckResult) -> Text | None:
    """A line of its own under the coverage table (as the table's caption it was wrapped
    into the table's narrow width)."""
    if not (r.never_fired and r.status == "ok"):
        return None
    return Text("never fired: " + ", ".join(r.never_fired) + " (a guard that is never true is often a spec bug)",
                style="yellow")


def _constants(constants: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}={show(v)}" for k, v in constants.items()) + ")" if constants else ""


def trace_renderable(v: Violation, full: bool = False) -> Group:
    parts: list[Any] = []
    head = violation_head(v)
    size = lasso_size(v) if is_lasso(v) else trace_size(v.trace)
    parts.append(Text(f"{head} — {size}" + (":" if v.trace else ""), style="bold red"))
    prev = None
    for i, st in enumerate(v.trace):
        if is_lasso(v) and i == v.loop:
            parts.append(Text(f"     ⟳ {CYCLE_STARTS}", style="bold magenta"))
        parts.append(Text(f"{i:>3}  {st.action}", style="bold cyan"))
        if full or prev is None:
            for name, value in top_fields(st.state).items():
                parts.append(Text(f"       {name} = {show(value)}"))
        else:
            changes = diff(prev, st.state)
            if not changes:
                parts.append(Text("       (no change: stuttering step)", style="dim"))
            for path, old, new in changes:
                line = Text(f"       {path}: ")
                line.append(change_text(old, new), style="yellow")
                parts.append(line)
        prev = st.state
    if is_lasso(v):
        parts += lasso_end(v)
    plain = v.message.lower() in ("", f"invariant {v.name} is violated", head.lower())  # no reason given
    parts.append(Text(f"  ✗ {head}" + ("" if plain else f": {v.message}"), style="bold red"))
    if v.traceback:
        parts.append(Text(v.traceback.rstrip(), style="dim"))
    return Group(*parts)


def lasso_end(v: Violation) -> list[Text]:
    """After the last step of a lasso: where the behaviour goes back to (with what that step
    changes), or that it stutters forever."""
    parts = [Text(f"     ↻ {closing(v)}", style="bold magenta")]
    change = closing_change(v)
    if change is not None:
        for path, old, new in diff(*change):
            line = Text(f"       {path}: ")
            line.append(change_text(old, new), style="yellow")
            parts.append(line)
    return parts


def print_result(r: CheckResult, console: Console, full: bool = False, quiet: bool = False, continued: bool = False) -> None:
    """As `protocheck check` prints it; `continued`: the search went on past violations (--continue)."""
    if r.simulation is not None:  # a simulate() result: its own figures (simulation.py)
        from .simulation import print_simulation

        return print_simulation(r, console, full=full, quiet=quiet)
    if not quiet:
        console.print(summary_table(r))
        console.print(coverage_table(r))
        note = never_fired_note(r)
        if note is not None:
            console.print(note, soft_wrap=True)
    for v in r.violations:
        console.print(trace_renderable(v, full))
    for note in vacuity_notes(r):
        console.print(Text(f"warning: {note}", style="yellow"))
    if continued and r.violations:
        console.print(violating_counts(r), soft_wrap=True)
    console.print(verdict_line(r))


def suite_table(outcomes: list, times: bool = True) -> Table:
    """`protocheck ci`'s table: one row per manifest entry, in manifest order."""
    t = Table(title="model suite", title_justify="left")
    for col, just in (("name", "left"), ("expected", "left"), ("got", "left"), ("distinct states", "right"),
                      ("depth", "right"), ("seconds", "right"), ("", "center")):
        if col != "seconds" or times:
            t.add_column(col, justify=just)
    for o in outcomes:
        r = o.result
        row = [Text(o.entry.name), Text(o.entry.expect.describe()), Text(o.got),  # Text: a name is not markup
               f"{r.distinct_states:,}" if r else "–", str(r.depth) if r else "–"]
        if times:
            row.append(f"{o.seconds:.2f}")
        row.append(Text("pass", style="green") if o.passed else Text("FAIL", style="bold red"))
        t.add_row(*row)
    return t


def print_suite(outcomes: list, console: Console, times: bool = True) -> None:
    """The table, then each entry that differs from the manifest with why and its trace."""
    console.print(suite_table(outcomes, times))
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        console.print(Text(f"✗ {o.entry.name}: {o.detail}", style="bold red"))
        if o.result is not None and o.result.violation is not None:
            console.print(trace_renderable(o.result.violation))
    if failed:
        console.print(Text(f"FAIL  {len(failed)} of {len(outcomes)} models differ from the manifest", style="bold red"))
    else:
        console.print(Text(f"OK  all {len(outcomes)} models as expected", style="bold green"))
