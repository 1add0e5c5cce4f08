"""Fair cycles in a recorded state graph: the core of every liveness check.

A liveness property fails when some behaviour ends in a cycle, inside a set of states the
property allows (say, the states where P is false, for <>P), that is *fair*: every weakly
fair action continuously enabled along it is taken in it, and every strongly fair action
enabled in it at all is taken in it. Behaviours may also stutter forever in one state,
so every state is a (trivial) cycle. The standard way to find one (as TLC and SPIN do):
compute the strongly connected components (SCCs) of the allowed part; a cycle may visit
every state and edge of an SCC, so per fairness condition f on an SCC C:
- f is taken by an edge inside C: fine (the cycle takes it);
- weak, f is disabled in some state of C: fine (the cycle passes there); enabled in every
  state of C and never taken: no cycle in C is fair — drop C;
- strong, f is enabled somewhere in C but never taken: a fair cycle in C must avoid the
  states where f is enabled; remove them and split what is left into SCCs again.
A component that passes every condition holds a fair cycle. All components of a round are
judged at once, with array operations over the edges (SCCs: scipy's C implementation,
chosen by measurement — docs/liveness.md).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


class Fairness(NamedTuple):
    """The fairness conditions: per edge, the condition its action instance belongs to
    (-1: none), and per condition whether it is strong."""

    of_eid: np.ndarray  # instance id -> condition index, or -1
    strong: np.ndarray  # condition index -> bool

    @property
    def count(self) -> int:
        return int(self.strong.size)


class Graph(NamedTuple):
    indptr: np.ndarray
    dst: np.ndarray
    eid: np.ndarray
    src: np.ndarray  # per edge, its source

    @property
    def n(self) -> int:
        return self.indptr.size - 1


def fair_components(g: Graph, allowed: np.ndarray, fair: Fairness, must_meet: np.ndarray | None = None) -> list[np.ndarray]:
    """The fair parts of the subgraph induced by `allowed`, each as a sorted array of states
    (every one holds a fair cycle through all of its states). `must_meet`: a component
    counts only if it contains one of these states (for <>[]P: a state where P is false)."""
    alive = allowed.copy()
    found: list[np.ndarray] = []
    cond = fair.of_eid[g.eid] if fair.count else np.full(g.eid.size, -1, dtype=np.int64)
    has_cond = cond >= 0
    while alive.any():
        keep = alive[g.src] & alive[g.dst]
        m = csr_matrix((np.ones(int(keep.sum()), dtype=np.int8), (g.src[keep], g.dst[keep])), shape=(g.n, g.n))
        _, label = connected_components(m, directed=True, connection="strong")
        label = np.where(alive, label, -1)
        size = np.bincount(label[alive], minlength=int(label.max()) + 1)
        drop = np.zeros(size.size, dtype=bool)  # components with no fair cycle
        if must_meet is not None:
            drop |= np.bincount(label[alive & must_meet], minlength=size.size) == 0
        remove = np.zeros(g.n, dtype=bool)  # states to cut out of components kept for another round
        if fair.count:
            F = fair.count
            # Conditions taken inside each component: edges within one component.
            inside = keep & has_cond & (label[g.src] == label[g.dst])
            taken = np.unique(label[g.src[inside]].astype(np.int64) * F + cond[inside])
            # Conditions enabled per state (from all its edges, wherever they lead), then per component.
            out = alive[g.src] & has_cond
            pairs = np.unique(g.src[out].astype(np.int64) * F + cond[out])
            state, c = pairs // F, pairs % F
            comp_pairs = label[state].astype(np.int64) * F + c
            keys, enabled_in = np.unique(comp_pairs, return_counts=True)
            untaken = ~np.isin(keys, taken)
            comp, kc = keys // F, keys % F
            weak_dead = untaken & ~fair.strong[kc] & (enabled_in == size[comp])
            drop[comp[weak_dead]] = True
            strong_cut = untaken & fair.strong[kc]
            if strong_cut.any():
                cut_keys = keys[strong_cut]
                cut = np.isin(comp_pairs, cut_keys)
                remove[state[cut]] = True
            split = np.zeros(size.size, dtype=bool)
            split[comp[strong_cut]] = True
            split &= ~drop
        else:
            split = np.zeros(size.size, dtype=bool)
        fair_here = ~drop & ~split & (size > 0)
        if fair_here.any():
            order = np.argsort(label, kind="stable")
            bounds = np.searchsorted(label[order], np.arange(size.size + 1))
            for c in np.flatnonzero(fair_here):
                found.append(np.sort(order[bounds[c]:bounds[c + 1]]))
        # Next round: only the split components, without the states cut out of them.
        alive = alive & (label >= 0) & split[np.maximum(label, 0)] & ~remove
    return found


def bfs(g: Graph, allowed: np.ndarray, sources: np.ndarray, start: np.ndarray | None = None,
        targets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shortest paths inside `allowed` from `sources` (sorted by `start`, their distance at
    the outset: later sources join when the search reaches their distance). Returns
    (dist, pred_edge): -1 where unreached; pred_edge -1 at a source. Stops early once every
    state of `targets` (a boolean mask) is reached or the frontier is empty."""
    n = g.n
    dist = np.full(n, -1, dtype=np.int64)
    pred = np.full(n, -1, dtype=np.int64)
    if start is None:
        start = np.zeros(sources.size, dtype=np.int64)
    order = np.argsort(start, kind="stable")
    sources, start = sources[order], start[order]
    level = int(start[0]) if start.size else 0
    frontier = np.empty(0, dtype=np.int64)
    k = 0
    while True:
        j = int(np.searchsorted(start, level, side="right"))
        joining = sources[k:j]
        k = j
        joining = joining[dist[joining] < 0]
        if joining.size:
            dist[joining] = level
            frontier = np.union1d(frontier, joining)
        if frontier.size == 0:
            if k >= sources.size:
                break
            level = int(start[k])
            continue
        if targets is not None and targets[dist >= 0].sum() == targets.sum():
            break
        lo, hi = g.indptr[frontier], g.indptr[frontier + 1]
        counts = hi - lo
        edges = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(int(counts.sum()))
        d = g.dst[edges].astype(np.int64)
        ok = allowed[d] & (dist[d] < 0)
        d, edges = d[ok], edges[ok]
        fresh, first = np.unique(d, return_index=True)
        level += 1
        dist[fresh] = level
        pred[fresh] = edges[first]
        frontier = fresh
    return dist, pred


def path_to(g: Graph, pred: np.ndarray, node: int) -> tuple[int, list[int]]:
    """(the source the path starts from, the edges from it to `node`)."""
    edges = []
    while pred[node] >= 0:
        e = int(pred[node])
        edges.append(e)
        node = int(g.src[e])
    edges.reverse()
    return node, edges


def fair_cycle(g: Graph, comp: np.ndarray, entry: int, fair: Fairness, meet: np.ndarray | None) -> list[int]:
    """Edges of a fair cycle through `entry` inside component `comp` (empty: stuttering in
    `entry` is fair). It takes one edge of every condition taken in the component, passes a
    state where each weak condition enabled somewhere (but never taken) is disabled, and (with
    `meet`) a state of `meet`: nearest requirement first, then back to `entry`."""
    inside = np.zeros(g.n, dtype=bool)
    inside[comp] = True
    lo, hi = g.indptr[comp], g.indptr[comp + 1]
    counts = hi - lo
    edges = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(int(counts.sum()))
    within = edges[inside[g.dst[edges]]]
    need_edge: dict[int, list[int]] = {}  # condition -> its edges inside the component
    need_state: dict[int, np.ndarray] = {}  # weak condition -> states where it is disabled
    if fair.count:
        cond_in = fair.of_eid[g.eid[within]]
        for c in np.unique(cond_in[cond_in >= 0]).tolist():
            need_edge[c] = within[cond_in == c].tolist()
        cond_out = fair.of_eid[g.eid[edges]]
        for c in np.unique(cond_out[cond_out >= 0]).tolist():
            if c in need_edge or fair.strong[c]:
                continue
            enabled = np.unique(g.src[edges[cond_out == c]])
            need_state[c] = comp[~np.isin(comp, enabled)]
    want_meet = meet is not None and not meet[entry]
    if not need_edge and not need_state and not want_meet:
        return []
    cycle: list[int] = []
    here = entry
    visited: set[int] = {entry}

    def walk(edge_list: list[int]) -> None:
        nonlocal here
        for e in edge_list:
            cycle.append(e)
            here = int(g.dst[e])
            visited.add(here)

    def settle_done() -> None:
        taken = {int(fair.of_eid[g.eid[e]]) for e in cycle}
        for c in list(need_edge):
            if c in taken:
                del need_edge[c]
        for c in list(need_state):
            if any(v in visited for v in need_state[c].tolist()):
                del need_state[c]

    settle_done()
    while need_edge or need_state or want_meet:
        dist, pred = bfs(g, inside, np.array([here]))
        best = None  # (distance, tie-break, path edges)
        for c, es in need_edge.items():
            srcs = g.src[es]
            reach = dist[srcs]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]) + 1, 0, c)
            if best is None or cand < best[0]:
                best = (cand, path_to(g, pred, int(srcs[i]))[1] + [es[i]])
        for c, states in need_state.items():
            reach = dist[states]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]), 1, c)
            if best is None or cand < best[0]:
                best = (cand, path_to(g, pred, int(states[i]))[1])
        if want_meet:
            states = comp[meet[comp]]
            reach = dist[states]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]), 2, 0)
            if best is None or cand < best[0]:
                best = (cand, path_to(g, pred, int(states[i]))[1])
        walk(best[1])
        want_meet = want_meet and not any(meet[v] for v in visited)
        settle_done()
        if not best[1] and (need_edge or need_state):  # nothing moved and still wanting: cannot happen in an SCC
            raise AssertionError("fair cycle: a requirement is unreachable inside its component")
    if here != entry:
        dist, pred = bfs(g, inside, np.array([here]))
        walk(path_to(g, pred, entry)[1])
    return cycle
