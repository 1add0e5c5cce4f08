"""A self-contained HTML page of a check (`check --html`): verdict, the reason the invariant
is false, the trace as a table of state changes, and an SVG sequence diagram of the
messages between processes where the spec names sender and receiver (see flow.py).
No scripts, no external assets: the file can be attached to a CI run and opened anywhere."""

from __future__ import annotations

from html import escape
from typing import Any

from checker.result import CheckResult, Violation

from .flow import flows, lifelines
from .lasso import CYCLE_STARTS, STUTTERS, closing, closing_change, is_lasso, lasso_size, properties_hold, stutters, vacuity_notes
from .values import change_text, count, diff, show, top_fields, trace_size, violation_head

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} .ok{color:#14753a} .bad{color:#b3261e}
.reason{border-left:4px solid #b3261e;background:#fdf1f0;padding:.6em 1em;font-family:monospace;white-space:pre-wrap}
table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.n{text-align:right} code{font-size:.95em}
tr.cycle-start td,tr.cycle-end td{background:#f6eefa;color:#6a1b9a} .warn{color:#8a5a00}
.old{color:#b3261e} .new{color:#14753a} svg text{font-family:monospace;font-size:12px}
"""


def _changes(prev: Any, state: Any, full: bool) -> str:
    if prev is None or full:
        return "<br>".join(f"<code>{escape(p)} = {escape(show(v))}</code>" for p, v in top_fields(state).items())
    rows = [f"<code>{escape(p)}: <span class=new>{escape(change_text(a, b))}</span></code>" for p, a, b in diff(prev, state)]
    return "<br>".join(rows) or "<i>no change</i>"


def trace_table(v: Violation, full: bool = False) -> str:
    rows, prev = [], None
    for i, st in enumerate(v.trace):
        if is_lasso(v) and i == v.loop:
            rows.append(f"<tr class=cycle-start><td class=n>⟳</td><td colspan=2><i>{CYCLE_STARTS}</i></td></tr>")
        rows.append(f"<tr><td class=n>{i}</td><td><code>{escape(st.action)}</code></td><td>{_changes(prev, st.state, full)}</td></tr>")
        prev = st.state
    if is_lasso(v):
        change = closing_change(v)
        rows.append(f"<tr class=cycle-end><td class=n>↻</td><td><i>{escape(closing(v))}</i></td>"
                    f"<td>{_changes(*change, full=False) if change is not None else ''}</td></tr>")
    return "<table><tr><th>#</th><th>action</th><th>state change</th></tr>" + "".join(rows) + "</table>"


def diagram_rows(spec: Any, v: Violation) -> list[tuple[str, Any, Any]]:
    """What the sequence diagram draws, top to bottom: ('step', i, flow) for each step that
    moves a message (i == len(trace) for a lasso's closing step), and ('mark', text, None)
    where a lasso's cycle starts. Empty when no step names a sender and receiver."""
    trace = v.trace + ([v.loop_step] if is_lasso(v) and v.loop_step is not None else [])
    found = flows(spec, trace)
    if not any(found):
        return []
    rows: list[tuple[str, Any, Any]] = []
    for i, f in enumerate(found):
        if is_lasso(v) and i == v.loop:
            rows.append(("mark", f"⟳ {CYCLE_STARTS}", None))
        if f is not None:
            rows.append(("step", i, f))
    if stutters(v):
        rows.append(("mark", f"↻ {STUTTERS}", None))
    return rows


def sequence_svg(spec: Any, v: Violation) -> str:
    """An SVG sequence diagram of the trace's messages; '' when the spec names none. Each
    message is a `line.msg` arrow and each local step a `rect.local` box on its lifeline,
    labelled with the step number and the message; hovering shows the whole action. In a
    lasso, a dashed `line.cycle` marks where the cycle starts and the step back to it is
    labelled `↻ k.` (k: the step it returns to)."""
    rows = diagram_rows(spec, v)
    if not rows:
        return ""
    n = len(v.trace)

    def label(i: int, text: str) -> str:
        return f"↻ {v.loop}. {text}" if i == n else f"{i}. {text}"

    def action(i: int) -> str:
        return f"back to step {v.loop} by {v.loop_step.action}" if i == n else f"{i}. {v.trace[i].action}"

    steps = [(i, f) for kind, i, f in rows if kind == "step"]
    procs = lifelines(spec, [f for _, f in steps])
    longest = max([len(label(i, f[2])) for i, f in steps] + [0])
    gap = min(max(160, 7 * longest + 24), 360)  # room for a label between neighbouring lifelines
    x = {p: 90 + gap * k for k, p in enumerate(procs)}
    row, top = 34, 50
    width, height = 90 + gap * max(len(procs), 1), top + row * (len(rows) + 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="sequence diagram">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#1f4e99"/></marker></defs>']
    for p in procs:
        out.append(f'<g class="lifeline"><text x="{x[p]}" y="20" text-anchor="middle" font-weight="bold">{escape(p)}</text>'
                   f'<line x1="{x[p]}" y1="28" x2="{x[p]}" y2="{height - 8}" stroke="#999" stroke-dasharray="4 3"/></g>')
    for k, (kind, i, f) in enumerate(rows):
        y = top + row * k + 16
        if kind == "mark":
            out.append(f'<g><line class="cycle" x1="10" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#8e24aa" '
                       f'stroke-dasharray="8 4"/><text x="14" y="{y - 5}" fill="#8e24aa">{escape(i)}</text></g>')
            continue
        s, r, text = f
        text = escape(label(i, text))
        hover = f"<title>{escape(action(i))}</title>"
        if s == r:
            out.append(f'<g>{hover}<rect class="local" x="{x[s] - 5}" y="{y - 10}" width="10" height="20" fill="#1f4e99"/>'
                       f'<text x="{x[s] + 10}" y="{y + 4}">{text}</text></g>')
        else:
            out.append(f'<g>{hover}<line class="msg" x1="{x[s]}" y1="{y}" x2="{x[r]}" y2="{y}" stroke="#1f4e99" stroke-width="1.5" '
                       f'marker-end="url(#arrow)"/><text x="{(x[s] + x[r]) / 2}" y="{y - 5}" text-anchor="middle">{text}</text></g>')
    out.append("</svg>")
    return "".join(out)


def result_html(r: CheckResult, spec: Any = None, title: str = "", full: bool = False) -> str:
    consts = ", ".join(f"{k}={show(v)}" for k, v in r.constants.items())
    name = escape(title or r.spec)
    cls = "ok" if r.ok else "bad"
    body = [f"<h1>{name} <small>({escape(consts)})</small>: <span class={cls}>{escape(r.status.upper())}</span></h1>",
            f"<p>{r.distinct_states:,} distinct states, {r.generated_states:,} generated, depth {r.depth}; "
            f"invariants: {escape(', '.join(r.invariants) or 'none')}.</p>"]
    if r.properties:
        body.append(f"<p>Liveness properties: {escape(', '.join(r.properties))}; {count(r.transitions, 'transition')}."
                    + (f" {escape(properties_hold(r))}." if r.ok else "") + "</p>")
    for note in vacuity_notes(r):
        body.append(f"<p class=warn>Warning: {escape(note.rstrip('.'))}.</p>")
    if r.reason:
        body.append(f"<p class=bad>Stopped early: {escape(r.reason)} — the search did not cover every state.</p>")
    for v in r.violations:
        size = lasso_size(v) if is_lasso(v) else trace_size(v.trace)
        body.append(f"<h2 class=bad>{escape(violation_head(v))} — {escape(size)}</h2>")
        body.append(f"<div class=reason>{escape(v.message)}</div>")
        svg = sequence_svg(spec, v) if spec is not None else ""
        if svg:
            body.append("<h3>messages</h3>" + svg)
        body.append("<h3>trace</h3>" + trace_table(v, full))
        if v.traceback:
            body.append(f"<pre>{escape(v.traceback)}</pre>")
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{name}: {escape(r.status)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_html(r: CheckResult, path: str, spec: Any = None, title: str = "", full: bool = False) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(result_html(r, spec, title, full))
