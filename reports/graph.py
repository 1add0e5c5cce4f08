"""State graphs of small models (`protocheck graph TARGET --dot PATH`): every reachable
state and transition as a networkx DiGraph, written as Graphviz DOT, with the states that
break an invariant filled red and the counterexample path drawn bold red.

Exploration is the checker's (same actions, argument order, constraints and view; a state
that breaks an invariant is a dead end, as in the checker), but keeps every edge, so it refuses politely above a node limit instead of drawing a
hairball or exhausting memory.
"""

from __future__ import annotations

from typing import Any, Iterable

import networkx as nx

from checker.diagnose import run_invariants
from checker.errors import UsageError
from checker.result import Violation
from checker.spec import describe
from checker.successors import successors

from .values import show, top_fields

DEFAULT_MAX_NODES = 300


def state_graph(spec: Any, max_nodes: int = DEFAULT_MAX_NODES, invariants: Iterable[str] | None = None) -> nx.DiGraph:
    """Nodes `s0, s1, ...` in BFS order, with attributes `state`, `label`, `initial`,
    `violates` (names of false invariants); edges with the action `label`."""
    info = describe(type(spec))
    key = spec.view if info.has_view else (lambda s: s)
    invs = {n: f for n, f in info.invariants.items() if invariants is None or n in set(invariants)}
    g = nx.DiGraph()
    ids: dict[Any, str] = {}

    def node(s: Any, initial: bool) -> tuple[str, bool]:
        k = key(s)
        if k in ids:
            return ids[k], False
        if len(ids) >= max_nodes:
            raise UsageError(
                f"{type(spec).__name__} has more than {max_nodes} reachable states: too many to draw legibly. "
                "Use smaller constants, or raise the limit with --max-nodes if you really want the picture."
            )
        nid = ids[k] = f"s{len(ids)}"
        bad = [name for name, _ in run_invariants(spec, invs, s)]
        g.add_node(nid, state=s, label=state_label(s), initial=initial, violates=bad)
        return nid, True

    frontier = []
    for s in spec.init():
        if all(c(spec, s) for c in info.constraints):
            nid, new = node(s, True)
            if new:
                frontier.append((s, nid))
    while frontier:
        nxt = []
        for s, sid in frontier:
            if g.nodes[sid]["violates"]:
                continue  # the checker stops at a bad state: drawn, not expanded (keeps bug graphs finite)
            for ai, args, t in successors(info, spec, s):
                if not all(c(spec, t) for c in info.constraints):
                    continue
                tid, new = node(t, False)
                if not g.has_edge(sid, tid):
                    g.add_edge(sid, tid, label=info.actions[ai].label(args))
                if new:
                    nxt.append((t, tid))
        frontier = nxt
    return g


def state_label(s: Any) -> str:
    return "\n".join(f"{p} = {show(v)}" for p, v in top_fields(s).items())


def highlight(g: nx.DiGraph, spec: Any, v: Violation | None) -> list[str]:
    """Mark the counterexample's nodes and edges (`on_trace`); return its node ids."""
    if v is None:
        return []
    info = describe(type(spec))
    key = spec.view if info.has_view else (lambda s: s)
    by_key = {key(d["state"]): n for n, d in g.nodes(data=True)}
    path = [by_key[key(st.state)] for st in v.trace if key(st.state) in by_key]
    for n in path:
        g.nodes[n]["on_trace"] = True
    for a, b in zip(path, path[1:]):
        if g.has_edge(a, b):
            g.edges[a, b]["on_trace"] = True
    return path


def _quote(text: Any) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: nx.DiGraph, name: str = "states") -> str:
    """Graphviz DOT text of a state graph (only `label` and styling attributes are written)."""
    lines = [f"digraph {_quote(name)} {{", '  node [shape=box, fontname="monospace", fontsize=10];',
             '  edge [fontname="monospace", fontsize=9];']
    for n, d in g.nodes(data=True):
        attrs = {"label": d.get("label", n)}
        if d.get("violates"):
            attrs.update(style="filled", fillcolor="#f4c7c3", tooltip="violates " + ", ".join(d["violates"]))
        if d.get("initial"):
            attrs["peripheries"] = 2
        if d.get("on_trace"):
            attrs.update(color="red", penwidth=2)
        lines.append(f"  {n} [" + ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "];")
    for a, b, d in g.edges(data=True):
        attrs = {"label": d.get("label", "")}
        if d.get("on_trace"):
            attrs.update(color="red", penwidth=2, fontcolor="red")
        lines.append(f"  {a} -> {b} [" + ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(g: nx.DiGraph, path: str, name: str = "states") -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(to_dot(g, name))
