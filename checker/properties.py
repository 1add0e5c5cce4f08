"""Liveness properties: what must eventually happen, declared like invariants.

Four forms, as in TLA+ (behaviours are infinite, and any state may stutter forever unless
fairness on an action forbids it, see `action(fair=...)`):

    @eventually            <>P      some state of every behaviour satisfies P
    @always_eventually     []<>P    P holds infinitely often
    @eventually_always     <>[]P    from some point on, P holds for good
    @leads_to(trigger)     T ~> P   every state satisfying T is followed (or matched) by one satisfying P

Each takes keyword parameters whose values are a function of the constants, as
`c=lambda spec: spec.clients`; every value (every combination) is a separate property
instance, as TLA+'s `\\A c \\in C: ...`. The predicate is `fn(self, state, *args) -> bool`
and a trigger `trigger(spec, state, *args) -> bool`, arguments in declaration order.

Why predicates of states only: the engine evaluates them once per distinct state while it
explores, and keeps one bit per state and property instance; the cycles are then found on
the recorded state graph (liveness.py), with no state kept in memory.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable

import attrs

from .errors import SpecError

FORMS = {
    "eventually": "<>P",
    "always_eventually": "[]<>P",
    "eventually_always": "<>[]P",
    "leads_to": "T ~> P",
}


@attrs.frozen
class PropertyDef:
    """A declared liveness property; `instances(spec)` gives its argument tuples."""

    name: str
    form: str  # a key of FORMS
    fn: Callable[..., bool]
    trigger: Callable[..., bool] | None
    params: tuple[str, ...]
    domains: tuple[Callable[[Any], Iterable[Any]], ...]

    @classmethod
    def of(cls, spec_cls: type, attr: str, fn: Callable, mark: Any) -> "PropertyDef":
        return cls(mark.name or attr, mark.form, fn, mark.trigger,
                   tuple(p for p, _ in mark.params), tuple(d for _, d in mark.params))

    def instances(self, spec: Any) -> list[tuple]:
        """Every combination of the parameters' values, in a deterministic order."""
        from .successors import sorted_domain

        if not self.params:
            return [()]
        values = []
        for pname, dom in zip(self.params, self.domains):
            try:
                got = dom(spec)
                values.append(sorted_domain(got))
            except Exception as exc:
                raise SpecError(
                    f"The values of parameter '{pname}' of property {self.name} could not be computed from the "
                    f"constants: {type(exc).__name__}: {exc}. Give them as `{pname}=lambda spec: <iterable over "
                    "the constants>` (a property's parameters range over constants, not over a state)."
                ) from None
        return list(itertools.product(*values))

    def label(self, args: tuple) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{p}={a!r}' for p, a in zip(self.params, args))})"


def _declare(form: str, fn: Callable | None, name: str | None, trigger: Callable | None,
             params: dict[str, Callable]) -> Any:
    from .spec import _marker

    if name is not None and not isinstance(name, str):
        raise SpecError(f"@{form}(name={name!r}) must be a string.")
    return _marker("property", fn, name=name, params=params, form=form, trigger=trigger)


def eventually(fn: Callable | None = None, /, *, name: str | None = None, **params: Callable[[Any], Iterable]):
    """<>P: every behaviour reaches a state satisfying `fn(self, state, *args)`."""
    return _declare("eventually", fn, name, None, params)


def always_eventually(fn: Callable | None = None, /, *, name: str | None = None, **params: Callable[[Any], Iterable]):
    """[]<>P: P holds infinitely often (a behaviour never settles where P is false)."""
    return _declare("always_eventually", fn, name, None, params)


def eventually_always(fn: Callable | None = None, /, *, name: str | None = None, **params: Callable[[Any], Iterable]):
    """<>[]P: every behaviour stabilises in P (P false only finitely often)."""
    return _declare("eventually_always", fn, name, None, params)


def leads_to(trigger: Callable[..., bool], /, *, name: str | None = None, **params: Callable[[Any], Iterable]):
    """trigger ~> P: whenever `trigger(spec, state, *args)` holds, P holds then or later.

    Used as `@leads_to(lambda spec, s, c: c in s.req, c=lambda spec: spec.clients)` over
    `def served(self, s, c)`."""
    if not callable(trigger) or isinstance(trigger, type):
        raise SpecError(f"@leads_to needs the trigger first, as `@leads_to(lambda spec, s: <condition>)`; got "
                        f"{trigger!r}.")
    import inspect

    try:
        first = next(iter(inspect.signature(trigger).parameters), None)
    except (TypeError, ValueError):
        first = None
    if first == "self" or getattr(trigger, "__protocheck__", None) is not None:
        raise SpecError(f"@leads_to was used without its trigger on {getattr(trigger, '__qualname__', trigger)}: "
                        "write `@leads_to(lambda spec, s: <condition>)` above the method that says what must follow.")
    return _declare("leads_to", None, name, trigger, params)
