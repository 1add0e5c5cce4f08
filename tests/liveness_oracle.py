"""An independent liveness oracle and lasso checker, for testing the engine against.

Written from TLA+'s semantics alone, sharing no code with checker/liveness*.py or the search:
it explores a spec through its declared actions (describe()) and decides a property by brute
force, so that it is easy to trust rather than fast. Only for tiny state graphs.

The semantics it encodes (the issue's contract):
- a behaviour is infinite; a step that yields the same state is a stutter, not the action;
- an action instance (name, args) is enabled in s when it yields a state != s; a step s -> t
  takes *every* instance that yields t from s;
- the states a behaviour visits infinitely often form a set S that is strongly connected
  through steps inside S (or a single state, which stutters); taking every step inside S
  infinitely often is possible and only helps fairness, so a fair behaviour with that S
  exists iff, for each fairness unit, WF: some state of S disables it or a step inside S
  takes it; SF: every state of S disables it or a step inside S takes it;
- a unit is the whole action (each=False: enabled when any instance is) or one instance.
So a property is violated iff some reachable S of the right kind is fair, and that is decided
by trying every subset S of the candidate states.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable

import networkx as nx

from checker import describe, verify_trace

Instance = tuple  # (action name, args tuple)


def moves(spec: Any, s: Any) -> dict[Instance, Any]:
    """Every action instance enabled in `s` (yields a state != s) and the state it yields."""
    out = {}
    for act in describe(type(spec)).actions:
        domains = [list(d(spec, s)) for d in act.domains]
        for args in itertools.product(*domains):
            t = act.fn(spec, s, *args)
            if t is not None and t != s:
                out[(act.name, tuple(args))] = t
    return out


class Graph:
    """The reachable state graph, stutters left out."""

    def __init__(self, spec: Any, max_states: int = 64):
        self.spec = spec
        self.states: list = []
        self.index: dict = {}
        self.init: set[int] = set()
        self.enabled: list[dict[Instance, int]] = []  # per state: instance -> successor index
        todo = []
        for s in spec.init():
            self.init.add(self._add(s, todo))
        while todo:
            i = todo.pop()
            succ = {inst: self._add(t, todo) for inst, t in moves(spec, self.states[i]).items()}
            self.enabled[i] = succ
            assert len(self.states) <= max_states, "the oracle is for tiny graphs only"
        self.succ = [set(e.values()) for e in self.enabled]

    def _add(self, s: Any, todo: list) -> int:
        if s not in self.index:
            self.index[s] = len(self.states)
            self.states.append(s)
            self.enabled.append({})
            todo.append(self.index[s])
        return self.index[s]

    def reach(self, sources: Iterable[int], allowed: Callable[[int], bool]) -> set[int]:
        """States reachable from `sources` (those allowed) through allowed states only."""
        seen = {i for i in sources if allowed(i)}
        todo = list(seen)
        while todo:
            for j in self.succ[todo.pop()]:
                if allowed(j) and j not in seen:
                    seen.add(j)
                    todo.append(j)
        return seen


def fairness_units(spec: Any) -> list[tuple[str, Callable[[Instance], bool] | None, str]]:
    """(kind, matcher, action) per fair action; matcher None means 'one unit per instance'."""
    units = []
    for act in describe(type(spec)).actions:
        if act.fair:
            units.append((act.fair, None if act.each else (lambda inst, n=act.name: inst[0] == n), act.name))
    return units


def is_fair(spec: Any, members: list[dict[Instance, Any]], steps: list[set[Instance]]) -> bool:
    """Whether a behaviour that visits exactly the states whose enabled instances are
    `members` infinitely often, and takes exactly the steps labelled `steps` infinitely
    often, satisfies every fairness condition of the spec."""
    for kind, matcher, name in fairness_units(spec):
        if matcher is None:
            own = {inst for m in members for inst in m if inst[0] == name}
            checks = [lambda inst, u=u: inst == u for u in own]
        else:
            checks = [matcher]
        for match in checks:
            on = [any(match(inst) for inst in m) for m in members]
            taken = any(match(inst) for labels in steps for inst in labels)
            if taken:
                continue
            if kind == "weak" and all(on):
                return False
            if kind == "strong" and any(on):
                return False
    return True


def property_instances(spec: Any) -> dict[str, tuple[str, Callable, Callable | None]]:
    """label -> (form, P(s), trigger(s) or None), for every declared property instance."""
    out = {}
    for prop in describe(type(spec)).properties.values():
        for args in prop.instances(spec):
            p = (lambda s, f=prop.fn, a=args: bool(f(spec, s, *a)))
            t = None if prop.trigger is None else (lambda s, f=prop.trigger, a=args: bool(f(spec, s, *a)))
            out[prop.label(args)] = (prop.form, p, t)
    return out


def _subsets(region: list[int]):
    for r in range(1, len(region) + 1):
        yield from itertools.combinations(region, r)


def fair_counterexample_exists(g: Graph, form: str, p: Callable, trigger: Callable | None) -> bool:
    """Brute force: is there a reachable fair behaviour that violates the property?"""
    P = [p(s) for s in g.states]
    everything = g.reach(g.init, lambda i: True)
    if form == "eventually":  # violated by a behaviour that never meets P
        region = g.reach(g.init, lambda i: not P[i])
        wanted = lambda S: True  # noqa: E731
    elif form == "always_eventually":  # violated when P is false from some point on
        region = {i for i in everything if not P[i]}
        wanted = lambda S: True  # noqa: E731
    elif form == "eventually_always":  # violated when P is false infinitely often
        region = everything
        wanted = lambda S: any(not P[i] for i in S)  # noqa: E731
    else:  # leads_to: from a state with T and not P, P never holds again
        starts = [i for i in everything if trigger(g.states[i]) and not P[i]]
        region = g.reach(starts, lambda i: not P[i])
        wanted = lambda S: True  # noqa: E731
    region = sorted(region)
    assert len(region) <= 14, "too many candidate states for the brute force"
    for S in _subsets(region):
        if not wanted(S):
            continue
        inside = set(S)
        if len(S) > 1:
            sub = nx.DiGraph()
            sub.add_nodes_from(S)
            sub.add_edges_from((i, j) for i in S for j in g.succ[i] if j in inside)
            if not nx.is_strongly_connected(sub):
                continue
        steps = [{inst for inst, j in g.enabled[i].items() if j == k} for i in S for k in g.succ[i] if k in inside]
        if is_fair(g.spec, [g.enabled[i] for i in S], steps):
            return True
    return False


def oracle_verdicts(spec: Any) -> dict[str, bool]:
    """label -> True when the property instance holds (no fair counterexample)."""
    g = Graph(spec)
    return {label: not fair_counterexample_exists(g, form, p, t)
            for label, (form, p, t) in property_instances(spec).items()}


def oracle_vacuous(spec: Any) -> set[str]:
    """Instances whose trigger never holds (leads_to) or whose P holds in every reachable state."""
    g = Graph(spec)
    out = set()
    for label, (form, p, t) in property_instances(spec).items():
        if all(p(s) for s in g.states) or (t is not None and not any(t(s) for s in g.states)):
            out.add(label)
    return out


# ---------------------------------------------------------------------------------------
# Checking a counterexample the engine reports.

def lasso_problem(spec: Any, v: Any) -> str | None:
    """None when `v` (a liveness Violation) is a real, fair lasso of `spec` that violates the
    property it names; otherwise a sentence saying what is wrong."""
    trace, k = v.trace, v.loop
    if v.kind != "liveness":
        return f"kind is {v.kind!r}, not 'liveness'"
    if k is None or not 0 <= k < len(trace):
        return f"loop={k!r} is not an index of the {len(trace)}-state trace"
    why = verify_trace(spec, trace)
    if why:
        return why
    states = [st.state for st in trace]
    for i in range(1, len(states)):
        if states[i] == states[i - 1]:
            return f"step {i} does not change the state (a stutter is not a step)"
    cycle_steps = [(states[i], states[i + 1]) for i in range(k, len(states) - 1)]
    if v.loop_step is None:
        if k != len(states) - 1:
            return f"no loop_step, yet loop={k} is not the last state ({len(states) - 1})"
    else:
        ls = v.loop_step
        if ls.state != states[k]:
            return "loop_step does not lead back to trace[loop]"
        fn = getattr(spec, ls.name, None)
        back = None if fn is None else fn(states[-1], **ls.args)
        if back != states[k] or back == states[-1]:
            return f"loop_step {ls.action} does not take the last state to trace[{k}]"
        cycle_steps.append((states[-1], states[k]))
    # Fairness of the lasso: the states of the cycle recur, its steps are taken forever.
    cycle = list(dict.fromkeys(states[k:]))
    enabled = {s: moves(spec, s) for s in cycle}
    steps = [{inst for inst, t in enabled[a].items() if t == b} for a, b in cycle_steps]
    if not is_fair(spec, [enabled[s] for s in cycle], steps):
        return "the lasso is not fair: a fair action is starved on the cycle"
    props = property_instances(spec)
    named = [label for label in props if label == v.name or label.split("(")[0] == v.name]
    if not named:
        return f"the spec has no property {v.name!r}"
    if not any(violated_on_lasso(states, k, *props[label]) for label in named):
        return f"the lasso does not violate {v.name}"
    return None


def violated_on_lasso(states: list, k: int, form: str, p: Callable, trigger: Callable | None) -> bool:
    """Evaluate the property on the behaviour states[:k] + states[k:] forever."""
    P = [p(s) for s in states]
    cycle = P[k:]
    if form == "eventually":
        return not any(P)
    if form == "always_eventually":
        return not any(cycle)
    if form == "eventually_always":
        return not all(cycle)
    for i, s in enumerate(states):  # leads_to: a trigger after which P never holds
        if trigger(s) and not any(P[i:]) and not any(cycle):
            return True
    return False


# ---------------------------------------------------------------------------------------
# What the tests assert on a check.

def violated(spec: Any, prop: str, **options: Any):
    """Check `spec` for the property `prop` alone (deadlock=False unless given); assert it is
    violated by a real, fair lasso that violates it, and return the CheckResult."""
    from checker import check

    options.setdefault("deadlock", False)
    r = check(spec, properties=[prop], **options)
    assert r.status == "violation", f"{prop}: {r.status} {r.reason}"
    v = r.violation
    assert v.kind == "liveness" and (v.name == prop or v.name.startswith(prop + "(")), (v.kind, v.name)
    why = lasso_problem(spec, v)
    assert why is None, why
    return r


def liveness_violation(spec: Any, prop: str, **options: Any):
    """violated(...)'s Violation."""
    return violated(spec, prop, **options).violation


def xs(v: Any) -> list:
    """The states of a counterexample over one int variable x, as ints."""
    return [step.state.x for step in v.trace]
