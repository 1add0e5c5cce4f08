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


CHUNK = 1 << 20  # edges per slice of the per-edge array work: bounds its temporaries (~25 bytes an edge)


class Fairness(NamedTuple):
    """The fairness conditions: per action instance, the condition it belongs to (-1:
    none), and per condition whether it is strong."""

    of_eid: np.ndarray  # instance id -> condition index, or -1 (int32)
    strong: np.ndarray  # condition index -> bool
    shared: bool = True  # some condition covers several instances (an action fair as a whole)

    @property
    def count(self) -> int:
        return int(self.strong.size)


def unique(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash-based path is 30x slower on these arrays)."""
    x = np.sort(x)
    return x[np.concatenate(([True], x[1:] != x[:-1]))] if x.size else x


def unique_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(x)
    if not x.size:
        return x, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    return x[starts], np.diff(np.append(starts, x.size))


def first_of_each(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of `x` and the position of each one's first occurrence."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    keep = np.concatenate(([True], xs[1:] != xs[:-1])) if xs.size else np.zeros(0, dtype=bool)
    return xs[keep], order[keep]


def row_slices(indptr: np.ndarray, chunk: int = CHUNK):
    """(first row, end row) slices of a CSR array holding about `chunk` edges each."""
    n = indptr.size - 1
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(indptr, indptr[lo] + chunk, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        yield lo, hi
        lo = hi


def rows_of(indptr: np.ndarray, lo: int, hi: int, dtype=np.int32) -> np.ndarray:
    """The source row of every edge in rows lo..hi."""
    return np.repeat(np.arange(lo, hi, dtype=dtype), np.diff(indptr[lo:hi + 1]))


class Graph(NamedTuple):
    """The recorded graph in CSR form (state_graph.py) and its skeleton: each pair of
    distinct states joined by some edge, once, rows sorted — what the SCCs need. (scipy
    1.17's strong components never return on a matrix that holds a pair twice, which
    several action instances leading to one state give.) An edge's source is found from
    `indptr` when needed rather than stored (4 bytes an edge)."""

    indptr: np.ndarray
    dst: np.ndarray
    eid: np.ndarray
    skel_indptr: np.ndarray
    skel_dst: np.ndarray

    @property
    def n(self) -> int:
        return self.indptr.size - 1

    def src(self, edges: np.ndarray | list[int]) -> np.ndarray:
        return np.searchsorted(self.indptr, np.asarray(edges), side="right") - 1

    @classmethod
    def of(cls, indptr: np.ndarray, dst: np.ndarray, eid: np.ndarray) -> "Graph":
        n = indptr.size - 1
        parts, counts = [], np.zeros(n, dtype=np.int64)
        for lo, hi in row_slices(indptr):
            e0, e1 = int(indptr[lo]), int(indptr[hi])
            rows = rows_of(indptr, lo, hi, np.int64)
            pairs = unique(rows * n + dst[e0:e1])  # sorted by source, then target
            rows, targets = pairs // n, pairs % n
            keep = rows != targets  # (no self-loops are recorded; kept for safety)
            parts.append(targets[keep].astype(dst.dtype))
            counts[lo:hi] = np.bincount(rows[keep] - lo, minlength=hi - lo)
        skel_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=skel_indptr[1:])
        skel_dst = np.concatenate(parts) if parts else np.zeros(0, dtype=dst.dtype)
        return cls(indptr, dst, eid, skel_indptr, skel_dst)


def strong_components(g: Graph, alive: np.ndarray) -> np.ndarray:
    """SCC label per state of the subgraph induced by `alive` (-1 outside it), from the
    skeleton's edges inside it; the matrix's values are one broadcast 1.0, not an array."""
    from scipy.sparse import csr_matrix  # here, not at the top: scipy costs every check 0.3 s to import
    from scipy.sparse.csgraph import connected_components

    n = g.n
    keep = np.repeat(alive, np.diff(g.skel_indptr))
    keep &= alive[g.skel_dst]
    dst = g.skel_dst[keep]
    counts = np.zeros(n, dtype=np.int64)
    nonempty = np.diff(g.skel_indptr) > 0
    if keep.size:
        counts[nonempty] = np.add.reduceat(keep, g.skel_indptr[:-1][nonempty], dtype=np.int64)
    del keep
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    ones = np.broadcast_to(np.float64(1.0), dst.shape)
    m = csr_matrix((ones, dst, indptr), shape=(n, n), copy=False)
    _, label = connected_components(m, directed=True, connection="strong")
    return np.where(alive, label, -1)


def _fair_pairs(g: Graph, fair: Fairness, label: np.ndarray):
    """Per slice of the graph's rows: the (component, condition) keys taken inside a
    component, and the (state, condition) pairs enabled in live states. Recomputed from
    the CSR each round rather than kept: 12 bytes a fair edge less at the peak."""
    F = fair.count
    for lo, hi in row_slices(g.indptr):
        e0, e1 = int(g.indptr[lo]), int(g.indptr[hi])
        c = fair.of_eid[g.eid[e0:e1]]
        has = c >= 0
        rows = rows_of(g.indptr, lo, hi, g.dst.dtype)[has]
        c = c[has]
        lr = label[rows]
        inside = (lr >= 0) & (lr == label[g.dst[e0:e1][has]])
        taken = unique(lr[inside].astype(np.int64) * F + c[inside])
        live = lr >= 0
        pairs = rows[live].astype(np.int64) * F + c[live]
        yield taken, (unique(pairs) if fair.shared else pairs)  # one edge per instance and state


def fair_components(g: Graph, allowed: np.ndarray, fair: Fairness, must_meet: np.ndarray | None = None) -> list[np.ndarray]:
    """The fair parts of the subgraph induced by `allowed`, each as a sorted array of states
    (every one holds a fair cycle through all of its states). `must_meet`: a component
    counts only if it contains one of these states (for <>[]P: a state where P is false)."""
    alive = allowed.copy()
    found: list[np.ndarray] = []
    F = fair.count
    while alive.any():
        label = strong_components(g, alive)
        size = np.bincount(label[alive])
        drop = np.zeros(size.size, dtype=bool)  # components with no fair cycle
        if must_meet is not None:
            drop |= np.bincount(label[alive & must_meet], minlength=size.size) == 0
        split = np.zeros(size.size, dtype=bool)  # components to split again, without `remove`
        remove = np.zeros(g.n, dtype=bool)
        if F:
            # Conditions taken inside a component (by an edge between two of its states), and
            # enabled in it (in how many of its states), as (component, condition) keys.
            taken, comp_pairs = [], []
            for t, pairs in _fair_pairs(g, fair, label):
                taken.append(t)
                comp_pairs.append(label[pairs // F].astype(np.int64) * F + pairs % F)
            taken = unique(np.concatenate(taken))
            keys, enabled_in = unique_counts(np.concatenate(comp_pairs))
            del comp_pairs
            untaken = ~np.isin(keys, taken, assume_unique=True)
            comp, kc = keys // F, keys % F
            drop[comp[untaken & ~fair.strong[kc] & (enabled_in == size[comp])]] = True
            strong_cut = untaken & fair.strong[kc]
            if strong_cut.any():  # a second pass for the states to cut out (strong fairness unmet)
                cut_keys = keys[strong_cut]
                for _, pairs in _fair_pairs(g, fair, label):
                    states = pairs // F
                    remove[states[np.isin(label[states].astype(np.int64) * F + pairs % F, cut_keys)]] = True
                split[comp[strong_cut]] = True
                split &= ~drop
        fair_here = np.flatnonzero(~drop & ~split & (size > 0))
        if fair_here.size:
            members = np.flatnonzero(np.isin(label, fair_here))
            by_comp = members[np.argsort(label[members], kind="stable")]
            bounds = np.searchsorted(label[by_comp], fair_here, side="left")
            ends = np.searchsorted(label[by_comp], fair_here, side="right")
            found.extend(by_comp[lo:hi] for lo, hi in zip(bounds.tolist(), ends.tolist()))
        # Next round: only the split components, without the states cut out of them.
        alive &= (label >= 0) & split[np.maximum(label, 0)] & ~remove
    return found


SMALL_FRONTIER = 64  # below this, a level is expanded in Python: numpy's fixed cost per level dominates


def bfs(g: Graph, allowed: np.ndarray, sources: np.ndarray, start: np.ndarray | None = None,
        targets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shortest paths inside `allowed` from `sources` (sorted by `start`, their distance at
    the outset: later sources join when the search reaches their distance). Returns
    (dist, pred_edge): -1 where unreached; pred_edge -1 at a source. With `targets` (a
    boolean mask), stops one level after the first target is reached: every target within
    one step of the nearest has its distance then (what fair_cycle compares).

    Each level keeps, per new state, the first edge reaching it in (source, edge) order,
    whichever way it is expanded, so the paths do not depend on the frontier's size."""
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
    hit_at = None  # the level at which a target was first reached
    while True:
        j = int(np.searchsorted(start, level, side="right"))
        joining = sources[k:j]
        k = j
        joining = joining[dist[joining] < 0]
        if joining.size:
            dist[joining] = level
            frontier = np.union1d(frontier, joining)
            if targets is not None and hit_at is None and targets[joining].any():
                hit_at = level
        if frontier.size == 0:
            if k >= sources.size:
                break
            level = int(start[k])
            continue
        if hit_at is not None and level > hit_at:
            break
        step = _level_small if frontier.size <= SMALL_FRONTIER else _level_wide
        fresh, edges = step(g, allowed, dist, frontier)
        level += 1
        dist[fresh] = level
        pred[fresh] = edges
        if targets is not None and hit_at is None and targets[fresh].any():
            hit_at = level
        frontier = fresh
    return dist, pred


def _level_wide(g: Graph, allowed: np.ndarray, dist: np.ndarray, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = g.indptr[frontier], g.indptr[frontier + 1]
    counts = hi - lo
    edges = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(int(counts.sum()))
    d = g.dst[edges].astype(np.int64)
    ok = allowed[d] & (dist[d] < 0)
    d, edges = d[ok], edges[ok]
    fresh, first = first_of_each(d)
    return fresh, edges[first]


def _level_small(g: Graph, allowed: np.ndarray, dist: np.ndarray, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    indptr, dst = g.indptr, g.dst
    found: dict[int, int] = {}
    for v in frontier.tolist():
        e0, e1 = int(indptr[v]), int(indptr[v + 1])
        for e, d in enumerate(dst[e0:e1].tolist(), e0):
            if d not in found and dist[d] < 0 and allowed[d]:
                found[d] = e
    fresh = sorted(found)
    return np.array(fresh, dtype=np.int64), np.array([found[d] for d in fresh], dtype=np.int64)


def path_to(g: Graph, pred: np.ndarray, node: int) -> tuple[int, list[int]]:
    """(the source the path starts from, the edges from it to `node`)."""
    edges = []
    while pred[node] >= 0:
        e = int(pred[node])
        edges.append(e)
        node = int(g.src([e])[0])
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
        for c in unique(cond_in[cond_in >= 0]).tolist():
            need_edge[c] = within[cond_in == c].tolist()
        cond_out = fair.of_eid[g.eid[edges]]
        for c in unique(cond_out[cond_out >= 0]).tolist():
            if c in need_edge or fair.strong[c]:
                continue
            enabled = unique(g.src(edges[cond_out == c]))
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
        targets = np.zeros(g.n, dtype=bool)
        for es in need_edge.values():
            targets[g.src(es)] = True
        for states in need_state.values():
            targets[states] = True
        if want_meet:
            targets |= inside & meet
        dist, pred = bfs(g, inside, np.array([here]), targets=targets)
        best = None  # (distance, tie-break, path edges)
        for c, es in need_edge.items():
            srcs = g.src(es)
            reach = dist[srcs]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]) + 1, 0, c)
            if reach[i] >= 0 and (best is None or cand < best[0]):
                best = (cand, path_to(g, pred, int(srcs[i]))[1] + [es[i]])
        for c, states in need_state.items():
            reach = dist[states]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]), 1, c)
            if reach[i] >= 0 and (best is None or cand < best[0]):
                best = (cand, path_to(g, pred, int(states[i]))[1])
        if want_meet:
            states = comp[meet[comp]]
            reach = dist[states]
            i = int(np.argmin(np.where(reach >= 0, reach, np.iinfo(np.int64).max)))
            cand = (int(reach[i]), 2, 0)
            if reach[i] >= 0 and (best is None or cand < best[0]):
                best = (cand, path_to(g, pred, int(states[i]))[1])
        walk(best[1])
        want_meet = want_meet and not any(meet[v] for v in visited)
        settle_done()
        if not best[1] and (need_edge or need_state):  # nothing moved and still wanting: cannot happen in an SCC
            raise AssertionError("fair cycle: a requirement is unreachable inside its component")
    if here != entry:
        back = np.zeros(g.n, dtype=bool)
        back[entry] = True
        dist, pred = bfs(g, inside, np.array([here]), targets=back)
        walk(path_to(g, pred, entry)[1])
    return cycle
