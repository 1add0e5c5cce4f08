"""The one owner of successor enumeration and its order.

Which successors a state has, and in which order, decides the counts at a limit, which
counterexample is found first, and whether the parallel search agrees with one process:
so every place that enumerates — the generated level loops of the search and of the
workers (`unroll_actions` writes their inner loops), re-making a state a worker sent,
rebuilding a trace, recounting at a stop, diagnosing an error, checking a declared
symmetry, drawing the state graph — takes the order from here. The order: actions as
declared; within an action, its instances (`instances`), each parameter's domain as
given when it is a range and sorted otherwise (`sorted_domain`, `order_key`), so that it
depends on neither the hash seed nor how the spec built its sets.
"""

from __future__ import annotations

import itertools
import textwrap
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import attrs

if TYPE_CHECKING:
    from .spec import ActionDef, SpecInfo


def sorted_domain(values: Iterable[Any]) -> list[Any]:
    """A parameter domain in the order the search tries it: sorted, so that the order never
    depends on how the domain was built — a list made from a set of strings, say, comes in
    a different order under each PYTHONHASHSEED, and so would the first counterexample.
    Values that do not compare (mixed types) are sorted by a key that does not depend on
    the hash seed either (`order_key`)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=order_key)


def order_key(v: Any) -> tuple:
    """A total order over values of any type that depends on neither hash seed nor id:
    by kind, then by contents (sets by their sorted contents, records by their fields)."""
    cls = type(v)
    if v is None or cls is bool or cls is int or cls is float:
        return (0, "", v if v is not None else float("-inf"))
    if cls is str:
        return (1, "", v)
    if cls is bytes:
        return (2, "", v)
    if isinstance(v, (set, frozenset)):
        return (4, cls.__qualname__, tuple(sorted(map(order_key, v))))
    if isinstance(v, tuple):
        return (3, "", tuple(map(order_key, v)))
    fields = _record_fields(v)
    if fields is not None:
        return (5, f"{cls.__module__}.{cls.__qualname__}", tuple(map(order_key, fields)))
    value = getattr(v, "value", None) if hasattr(cls, "__members__") else None  # an enum member
    if value is not None:
        return (6, f"{cls.__module__}.{cls.__qualname__}", order_key(value))
    return (7, f"{cls.__module__}.{cls.__qualname__}", repr(v))


def _record_fields(v: Any) -> tuple | None:
    if attrs.has(type(v)):
        return tuple(getattr(v, f.name) for f in attrs.fields(type(v)))
    fields = getattr(v, "__dataclass_fields__", None)
    return tuple(getattr(v, f) for f in fields) if fields is not None else None


def domain_values(dom: Callable, spec: Any, state: Any) -> Iterable[Any]:
    """The values of one parameter domain in `state`, in the order the search uses: a range
    as it is, anything else sorted (sorted_domain)."""
    values = dom(spec, state)
    return values if values.__class__ is range else sorted_domain(values)


def instances(act: "ActionDef", spec: Any, state: Any) -> Iterable[tuple]:
    """Argument tuples of a parameterised action in `state`, in the order every loop of the
    engine tries them (the generated ones included: unroll_actions)."""
    doms = act.domains
    if len(doms) == 1:
        return ((v,) for v in domain_values(doms[0], spec, state))
    return itertools.product(*(domain_values(d, spec, state) for d in doms))


def unroll_actions(info: SpecInfo, ns: dict[str, Any], handle: Callable[[int, str, str], str],
                   indent: int, before_loop: str = "") -> tuple[str, list[str]]:
    """Source that tries every action instance on state `s` in the search's order (actions
    as declared, domains other than ranges sorted), running `handle(action index, instance expression,
    constraint expression)`'s code on each successor `t` (and `before_loop` before the
    instance loop of each action with parameters). Shared by every generated loop, so that
    they all enumerate successors alike. Returns the body and, for the actions without
    parameters, lines that fix their instance ids once (`iid{ai}`)."""
    ns.update({"product": itertools.product, "sorted_domain": sorted_domain})
    cons = []
    for k, c in enumerate(info.constraints):
        ns[f"con{k}"] = c
        cons.append(f"con{k}(spec, t)")
    constraint = " and ".join(cons) or "True"
    plain_ids, body = [], []
    for ai, act in enumerate(info.actions):
        ns[f"fn{ai}"] = act.fn
        if not act.params:
            plain_ids.append(f"    iid{ai} = instance_id({ai}, ())")
            head, call, instance = "", f"t = fn{ai}(spec, s)", f"iid{ai}"
        elif len(act.params) == 1:
            ns[f"dom{ai}"] = act.domains[0]
            head = (f"vals = dom{ai}(spec, s)\nif vals.__class__ is not range:\n    vals = sorted_domain(vals)\n"
                    f"for v in vals:\n")
            call, instance = f"t = fn{ai}(spec, s, v)", f"instance_id({ai}, (v,))"
        else:
            doms = []
            for k, d in enumerate(act.domains):
                ns[f"dom{ai}_{k}"] = d
                doms.append(f"dom{ai}_{k}(spec, s)")
            head = (f"for args in product(*[d if d.__class__ is range else sorted_domain(d) for d in ({', '.join(doms)},)]):\n")
            call, instance = f"t = fn{ai}(spec, s, *args)", f"instance_id({ai}, args)"
        inner = f"{call}\nif t is not None:\n" + textwrap.indent(handle(ai, instance, constraint).strip("\n"), "    ")
        block = (before_loop + head + textwrap.indent(inner, "    ")) if head else inner
        body.append(textwrap.indent(block, " " * indent))
    return "\n".join(body) or " " * indent + "pass", plain_ids


def instances_in_order(info: SpecInfo, spec: Any, s: Any) -> Iterator[tuple[int, tuple]]:
    """(action index, args) in the order the generated loops try them (sets sorted, exact class test)."""
    for ai, act in enumerate(info.actions):
        for args in instances(act, spec, s) if act.params else [()]:
            yield ai, args


def successors(info: SpecInfo, spec: Any, s: Any, limit: int | None = None) -> Iterator[tuple[int, tuple, Any]]:
    """The successors of `s` in generation order, each as (action index, args, state); at most `limit`."""
    if limit == 0:
        return
    g = 0
    for ai, args in instances_in_order(info, spec, s):
        t = info.actions[ai].fn(spec, s, *args)
        if t is not None:
            yield ai, args, t
            g += 1
            if g == limit:
                return


NONDETERMINISTIC = (
    "a state had fewer successors than during the search: the spec is not deterministic (it depends on "
    "randomness, time, global variables or the iteration order of a set of strings)."
)


def nth_step(info: SpecInfo, spec: Any, s: Any, g: int) -> tuple[tuple[int, tuple], Any]:
    """The g-th (1-based) successor of `s`: ((action index, args), state)."""
    for k, (ai, args, t) in enumerate(successors(info, spec, s, g), 1):
        if k == g:
            return (ai, args), t
    raise RuntimeError("Rebuilding the counterexample, " + NONDETERMINISTIC)
