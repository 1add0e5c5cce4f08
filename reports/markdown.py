"""Markdown for pull requests: a check's verdict and counterexample (`check --markdown`),
and the suite's table with the trace of every entry that differs (`ci --markdown`).
GitHub-flavoured: pipe tables, `<details>` for long parts."""

from __future__ import annotations

from typing import Any

from checker.result import CheckResult, Violation

from .lasso import CYCLE_STARTS, closing, closing_change, is_lasso, lasso_size, properties_hold, vacuity_notes
from .suite import Outcome
from .values import change_text, count, diff, show, top_fields, trace_size


def cell(text: Any) -> str:
    """Text safe inside a table cell: pipes escaped, newlines as <br>."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _constants(constants: dict[str, Any]) -> str:
    return ", ".join(f"{k}={show(v)}" for k, v in constants.items())


def changes_text(prev: Any, state: Any, full: bool = False) -> str:
    if prev is None or full:
        return "<br>".join(f"`{p}` = `{show(v)}`" for p, v in top_fields(state).items())
    return "<br>".join(f"`{p}`: `{change_text(a, b)}`" for p, a, b in diff(prev, state)) or "_(no change)_"


def trace_markdown(v: Violation, full: bool = False) -> str:
    head = {"invariant": f"invariant `{v.name}` violated", "deadlock": "deadlock", "error": f"error in `{v.name}`",
            "liveness": f"property `{v.name}` violated"}[v.kind]
    size = lasso_size(v) if is_lasso(v) else trace_size(v.trace)
    out = [f"**{head}** — {size}:", "", f"> {cell(v.message)}", "",
           "| # | action | state change |", "|---:|---|---|"]
    prev = None
    for i, st in enumerate(v.trace):
        if is_lasso(v) and i == v.loop:
            out.append(f"| | ⟳ _{CYCLE_STARTS}_ | |")
        out.append(f"| {i} | `{cell(st.action)}` | {cell(changes_text(prev, st.state, full))} |")
        prev = st.state
    if is_lasso(v):
        change = closing_change(v)
        changes = cell(changes_text(*change)) if change is not None else ""
        out.append(f"| ↻ | _{cell(closing(v))}_ | {changes} |")
    if v.traceback:
        out += ["", "<details><summary>traceback</summary>", "", "```", v.traceback.rstrip(), "```", "", "</details>"]
    return "\n".join(out)


def result_markdown(r: CheckResult, title: str = "", full: bool = False) -> str:
    icon = "✅" if r.ok else "⚠️" if r.status == "no_violation" else "❌"
    out = [f"### {icon} {title or r.spec} ({_constants(r.constants)}): {r.status}", "",
           f"{r.distinct_states:,} distinct states, {r.generated_states:,} generated, depth {r.depth}, "
           f"invariants: {', '.join(f'`{i}`' for i in r.invariants) or 'none'}."]
    if r.properties:
        out[-1] += (f" Liveness properties: {', '.join(f'`{p}`' for p in r.properties)}; "
                    f"{count(r.transitions, 'transition')}.")
        if r.ok:
            out += ["", f"{properties_hold(r)[0].upper()}{properties_hold(r)[1:]}."]
    for note in vacuity_notes(r):
        out += ["", f"⚠️ Warning: {cell(note.rstrip('.'))}."]
    if r.simulation is not None:  # simulate(): a random search, never a proof
        from .simulation import markdown_lines

        out += markdown_lines(r)
    elif r.reason:
        out.append(f"Stopped early: {r.reason} — the search did not cover every state.")
    for v in r.violations:
        out += ["", trace_markdown(v, full)]
    return "\n".join(out) + "\n"


def suite_markdown(outcomes: list[Outcome], title: str = "protocheck model suite", times: bool = True) -> str:
    failed = [o for o in outcomes if not o.passed]
    verdict = f"❌ {len(failed)} of {len(outcomes)} differ from the manifest" if failed else f"✅ all {len(outcomes)} as expected"
    cols = ["model", "expected", "got", "distinct states", "depth"] + (["seconds"] if times else []) + ["result"]
    out = [f"## {title}: {verdict}", "", "| " + " | ".join(cols) + " |",
           "|" + "|".join("---:" if c in ("distinct states", "depth", "seconds") else "---" for c in cols) + "|"]
    for o in outcomes:
        r = o.result
        row = [f"`{o.entry.name}`", cell(o.entry.expect.describe()), cell(o.got),
               f"{r.distinct_states:,}" if r else "–", str(r.depth) if r else "–"]
        if times:
            row.append(f"{o.seconds:.2f}")
        row.append("✅" if o.passed else "❌")
        out.append("| " + " | ".join(row) + " |")
    for o in failed:
        out += ["", f"### ❌ `{o.entry.name}`: {cell(o.detail)}", ""]
        if o.result and o.result.violation:
            out += ["<details open><summary>counterexample</summary>", "", trace_markdown(o.result.violation), "", "</details>"]
    return "\n".join(out) + "\n"


def write_text(text: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
