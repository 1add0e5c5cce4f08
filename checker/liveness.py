"""Checking liveness properties on the state graph the search recorded.

What is checked is TLA+'s meaning (properties.py): a property fails when some fair
behaviour violates it, and every failing behaviour can be shown as a lasso — a path from
an initial state into a cycle that repeats forever. Per form, the states the cycle must
stay in and where the path may come from:
- <>P: the whole behaviour avoids P: a path from an initial state through ¬P states, then
  a fair cycle of ¬P states;
- []<>P: from some point on P never holds: any path, then a fair cycle of ¬P states;
- <>[]P: P fails infinitely often: any path, then a fair cycle through some ¬P state;
- T ~> P: some state satisfies T but neither it nor any later one P: a path to a T ∧ ¬P
  state, then a path and a fair cycle of ¬P states.
The cycles are found by fair_cycles.py. The path into the cycle is a shortest one (for
the component whose nearest state is nearest), the cycle a short one through what
fairness requires.

Refused, because they change which cycles the graph has and a verdict could be wrong: a
declared symmetry, a view, a state constraint, and (for now) several processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .diagnose import Diagnosis, spec_traceback
from .errors import SpecError
from .fair_cycles import Fairness, Graph, bfs, fair_components, fair_cycle, path_to
from .properties import FORMS, PropertyDef
from .result import Step, Violation
from .state_graph import StateGraph
from .trace import replay

if TYPE_CHECKING:
    from .search import Search


class Instance:
    """One property instance: a property and its arguments, and its predicates' indices in
    the state graph's bits."""

    def __init__(self, prop: PropertyDef, args: tuple, p: int, t: int | None) -> None:
        self.prop, self.args, self.p, self.t = prop, args, p, t
        self.label = prop.label(args)


def selected(info: Any, options: Any) -> list[PropertyDef]:
    """The properties a search checks: none with liveness off, else those named, else all."""
    if not options.liveness:
        return []
    if options.properties is None:
        return list(info.properties.values())
    chosen = []
    for name in options.properties:
        if name not in info.properties:
            known = ", ".join(info.properties) or "none (declare one with @eventually, @leads_to, ...)"
            raise SpecError(f"{info.cls.__name__} has no property named {name!r}. Its properties are: {known}. Pass "
                            "one of those names (or none, to check them all).")
        chosen.append(info.properties[name])
    return chosen


def refuse_unsound(spec: Any, info: Any, props: list[PropertyDef], symmetric: bool, processes: int) -> None:
    """SpecError if the configuration would make a liveness verdict unreliable."""
    if not props:
        return
    names = ", ".join(p.name for p in props)
    who = info.cls.__name__
    if symmetric:
        raise SpecError(
            f"{who} declares a symmetry, and liveness ({names}) is not checked under a symmetry: merging the states "
            "of one orbit changes which cycles the state graph has, so a verdict could be wrong (TLC is known to give "
            "wrong liveness verdicts with SYMMETRY). Check the properties with symmetry=False (--no-symmetry), or the "
            "invariants alone under the symmetry with liveness=False (--no-liveness).")
    if info.has_view:
        raise SpecError(
            f"{who} defines view(), and liveness ({names}) is not checked through a view: states that differ outside "
            "the view would be one node of the state graph, which changes its cycles. Check the properties on a "
            "subclass without it (`view = None` in the subclass), or the invariants alone with liveness=False "
            "(--no-liveness).")
    if info.constraints:
        raise SpecError(
            f"{who} has a @constraint, and liveness ({names}) is not checked under one: a behaviour cut off by the "
            "constraint would look like one that stops (stutters) forever — a false counterexample — and cycles "
            "through the cut states would be missed. Bound the model by its constants instead, or check the "
            "invariants alone with liveness=False (--no-liveness).")
    if processes > 1:
        raise SpecError(
            f"Liveness ({names}) is checked in one process: the state graph is recorded by the one-process search. "
            "Use workers=1 (the default), or check the invariants alone in parallel with liveness=False "
            "(--no-liveness).")


def start(search: "Search", props: list[PropertyDef]) -> tuple[StateGraph, list[Instance]]:
    """The graph to record and the property instances, with one predicate per P and T."""
    spec = search.spec
    predicates: list[Callable[[Any], bool]] = []
    instances = []

    def add(fn: Callable, args: tuple) -> int:
        predicates.append(lambda s, fn=fn, args=args: bool(fn(spec, s, *args)))
        return len(predicates) - 1

    for prop in props:
        values = prop.instances(spec)
        if not values:  # \A c \in {}: true of every behaviour, which proves nothing: say so
            search.warnings.append(
                f"property {prop.name} has no instance: its parameters ({', '.join(prop.params)}) take no value with "
                "these constants, so it holds without saying anything. Check the constants, or its parameter "
                "functions.")
        for args in values:
            p = add(prop.fn, args)
            t = add(prop.trigger, args) if prop.trigger is not None else None
            instances.append(Instance(prop, args, p, t))
    return StateGraph(predicates), instances


def observe_failed(search: "Search", states: list[Any], first: int) -> Diagnosis:
    """Which predicate raised on which of `states` (the slow path of StateGraph.add_states)."""
    for k, s in enumerate(states):
        for inst in search.live:
            for which, idx in (("", inst.p), (" (its trigger)", inst.t)):
                if idx is None:
                    continue
                try:
                    search.graph.predicates[idx](s)
                except Exception as exc:
                    return Diagnosis("error", inst.prop.name, f"property {inst.label}{which} raised "
                                     f"{type(exc).__name__}: {exc}", None, spec_traceback(exc), index=first + k)
    return Diagnosis("error", "property", "a property raised an error that did not happen again when re-run: the spec "
                     "is not deterministic.", None, None, index=first)


def fairness(search: "Search") -> Fairness:
    """The fairness conditions over the action instances the search met."""
    log, actions = search.log, search.info.actions
    instances = log._instance_list
    of_eid = np.full(max(len(instances), 1), -1, dtype=np.int32)
    strong: list[bool] = []
    whole: dict[int, int] = {}
    for iid, (ai, _) in enumerate(instances):
        act = actions[ai]
        if act.fair is None:
            continue
        if act.each:
            of_eid[iid] = len(strong)
            strong.append(act.fair == "strong")
        else:
            if ai not in whole:
                whole[ai] = len(strong)
                strong.append(act.fair == "strong")
            of_eid[iid] = whole[ai]
    counts = np.bincount(of_eid[of_eid >= 0], minlength=len(strong))
    return Fairness(of_eid, np.array(strong, dtype=bool), bool((counts > 1).any()))


def check_properties(search: "Search") -> list[Violation]:
    """Check every selected property instance on the recorded graph; one violation per
    property (the first of its instances that fails), all of them unless stop_on_first."""
    graph = search.graph
    graph.freeze()
    g = Graph.of(graph.indptr, graph.dst, graph.eid)
    fair = fairness(search)
    depth = np.repeat(np.arange(len(search.level_sizes), dtype=np.int64), search.level_sizes)
    if depth.size != g.n:
        raise AssertionError(f"liveness: {depth.size} states in the levels, {g.n} in the graph")
    found: list[Violation] = []
    failed: set[str] = set()
    vacuous: dict[str, list[bool]] = {}
    for inst in search.live:
        if search.progress is not None:  # one line per property: on a big graph each takes seconds
            search.progress({**search.snapshot(), "liveness": inst.label, "transitions": graph.edges})
        p = graph.predicate(inst.p)
        trig = graph.predicate(inst.t) if inst.t is not None else None
        vacuous.setdefault(inst.prop.name, []).append(bool(p.all() or (trig is not None and not trig.any())))
        if inst.prop.name in failed:
            continue
        lasso = _violation(search, g, fair, depth, inst, p, trig)
        if lasso is not None:
            found.append(lasso)
            failed.add(inst.prop.name)
            if search.stop_on_first:
                break
    for name, flags in vacuous.items():
        if all(flags):
            search.vacuous_properties.append(name)
            form = search.info.properties[name].form
            why = "its trigger holds in no reachable state" if form == "leads_to" and not _p_all(search, name) \
                else "it holds in every reachable state"
            search.warnings.append(f"property {name} is vacuous: {why}, so checking it proved nothing about the "
                                   "behaviours it speaks of.")
    return found


def _p_all(search: "Search", name: str) -> bool:
    return all(search.graph.predicate(i.p).all() for i in search.live if i.prop.name == name)


def _violation(search: "Search", g: Graph, fair: Fairness, depth: np.ndarray, inst: Instance,
               p: np.ndarray, trig: np.ndarray | None) -> Violation | None:
    form = inst.prop.form
    notp = ~p
    meet = None
    if form == "eventually":
        inits = np.arange(search.log.initial)
        sources = inits[notp[inits]]
        if sources.size == 0:
            return None
        dist, pred = bfs(g, notp, sources)
        allowed = notp & (dist >= 0)
    elif form == "leads_to":
        sources = np.flatnonzero(trig & notp)
        if sources.size == 0:
            return None
        dist, pred = bfs(g, notp, sources, depth[sources])
        allowed = notp & (dist >= 0)
    elif form == "always_eventually":
        allowed, dist, pred = notp, depth, None
    else:  # eventually_always
        allowed, dist, pred, meet = np.ones(g.n, dtype=bool), depth, None, notp
    comps = fair_components(g, allowed, fair, meet)
    if not comps:
        return None
    best = min(comps, key=lambda c: (int(dist[c].min()), int(c[np.argmin(dist[c])])))
    entry = int(best[np.argmin(dist[best])])
    if pred is None:
        ordinal, steps = search.log.path(entry)
        where = None
    else:
        source, edges = path_to(g, pred, entry)
        ordinal, steps = search.log.path(source)
        steps = steps + [_step(search, g, e) for e in edges]
        where = len(search.log.path(source)[1])
    cycle = [_step(search, g, e) for e in fair_cycle(g, best, entry, fair, meet)]
    trace = replay(search.spec, search.info.actions, search.inits[ordinal], steps + cycle)
    loop = len(steps)
    loop_step = None
    if cycle:
        loop_step = trace.pop()
        if loop_step.state != trace[loop].state:
            raise AssertionError("liveness: the cycle does not close")
    return Violation("liveness", inst.prop.name, _message(inst, loop, loop_step, where), trace, None,
                     loop=loop, loop_step=loop_step)


def _step(search: "Search", g: Graph, e: int) -> tuple[int, tuple]:
    return search.log._instance_list[int(g.eid[e])]


def _message(inst: Instance, loop: int, loop_step: Step | None, where: int | None) -> str:
    form, label = inst.prop.form, inst.label
    if loop_step is None:
        ending = (f"at step {loop} the behaviour may stop for good (stutter forever): no fairly scheduled action is "
                  "enabled there")
    else:
        ending = (f"from step {loop} on the behaviour repeats its cycle forever ({loop_step.action} leads back to step "
                  f"{loop}), and the cycle is fair to every action declared fair")
    if form == "eventually":
        return f"{label} ({FORMS[form]}) never holds: {ending}, and no state of the behaviour satisfies it."
    if form == "always_eventually":
        return f"{label} ({FORMS[form]}) stops holding for good: {ending}, and it is false in every state of the cycle."
    if form == "eventually_always":
        return f"{label} ({FORMS[form]}) never settles: {ending}, and the cycle returns to a state where it is false."
    return (f"{label} ({FORMS[form]}): its trigger holds at step {where}, but {label} holds neither then nor later: "
            f"{ending}.")
