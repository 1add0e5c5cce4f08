"""The spec API: a spec is an attrs class whose fields are the model's constants and whose
decorated methods are its initial states, actions, invariants and constraints.

Methods are marked, not registered: the decorators only attach metadata, and
`describe()` collects it from the class in definition order. That keeps a spec an
ordinary class (subclassing and overriding work as usual) and makes the action order,
and therefore the search order and every trace, a property of the source text.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable, Iterable

import attrs

from .constants import check_ranges
from .errors import SpecError
from .successors import domain_values, instances, order_key, sorted_domain  # noqa: F401 — their home was here

_MARK = "__protocheck__"


class Spec:
    """Base class of every spec. Subclass it with `@attrs.frozen`; override `init`.

    Optional hooks, all plain methods:
    - `view(state)`: the value fingerprinted instead of the state (TLC's VIEW), e.g. to
      drop a history variable that only invariants read.
    - `promises()`: the invariant names checked when none are asked for. A protocol whose
      guarantee depends on a setting (at-least-once vs at-most-once delivery) says here
      which ones this configuration promises; the others can still be asked for by name.

    Constants declared `Annotated[int, Range(1)]` are checked when the spec is constructed
    (here); a subclass with its own `__attrs_post_init__` for checks that relate several
    constants calls `super().__attrs_post_init__()` first.
    """

    def __attrs_post_init__(self) -> None:
        check_ranges(self)

    def init(self) -> Iterable[Any]:
        raise NotImplementedError(
            f"{type(self).__name__} has no init(): define `def init(self):` yielding the initial states."
        )


@attrs.frozen
class Marked:
    """What a decorator records about a method."""

    kind: str  # 'action' | 'invariant' | 'constraint' | 'terminal' | 'property'
    params: tuple[tuple[str, Callable[..., Iterable[Any]]], ...] = ()
    name: str | None = None
    exercised: Callable[[Any, Any], bool] | None = None  # invariants only: see invariant()
    fair: str | None = None  # actions only: None | 'weak' | 'strong'
    each: bool = False  # actions only: fairness per instance (True) or of the action as a whole
    form: str | None = None  # properties only: see properties.py
    trigger: Callable[..., bool] | None = None  # leads_to only
    reads: tuple[str, ...] | None = None  # actions and invariants: footprint for partial-order reduction (reduction.py)
    writes: tuple[str, ...] | None = None  # actions only


def _marker(kind: str, fn: Callable | None, name: str | None = None, params: dict | None = None,
            exercised: Callable | None = None, **extra: Any):
    def mark(f: Callable) -> Callable:
        if not callable(f):
            raise SpecError(f"@{extra.get('form') or kind} must decorate a method, not {f!r}.")
        ps = tuple((params or {}).items())
        for pname, dom in ps:
            if not callable(dom):
                if kind == "property":
                    raise SpecError(
                        f"@{extra['form']} parameter '{pname}' of {f.__qualname__} must be given its values as a "
                        f"function of the constants `lambda spec: iterable`, not {dom!r}. Write "
                        f"{pname}=lambda spec: {dom!r}."
                    )
                raise SpecError(
                    f"@action parameter '{pname}' of {f.__qualname__} must be given a domain function "
                    f"`lambda spec, state: iterable`, not {dom!r}. Write {pname}=lambda spec, s: {dom!r}."
                )
        if exercised is not None and not callable(exercised):
            raise SpecError(
                f"@invariant(exercised=...) of {f.__qualname__} must be a predicate `lambda spec, state: bool`, "
                f"not {exercised!r}."
            )
        setattr(f, _MARK, Marked(kind, ps, name, exercised, **extra))
        return f

    return mark(fn) if fn is not None else mark


FAIRNESS = (None, "weak", "strong")


def action(fn: Callable | None = None, /, *, fair: str | None = None, each: bool = False,
           reads: Iterable[str] | None = None, writes: Iterable[str] | None = None,
           **params: Callable[[Any, Any], Iterable[Any]]):
    """Mark `fn(self, state, **params) -> next state | None` as an action.

    Each keyword names a parameter and gives its domain as `(spec, state) -> iterable`;
    several keywords range over their cartesian product (TLA+'s \\E).

    `fair` matters only to liveness properties (properties.py): 'weak' (WF) means a run in
    which the action stays enabled from some point on eventually takes it, 'strong' (SF)
    that one in which it is enabled infinitely often takes it infinitely often. Of the
    action as a whole (TLA+'s WF_vars(\\E args: A(args))), or with `each=True` of every
    instance separately (\\A args: WF_vars(A(args))): a message-delivery action is usually
    fair per message. `fair` and `each` are therefore not parameter names.

    `reads` / `writes` declare the action's footprint for partial-order reduction
    (`check(..., reduction=True)`; docs/reduction.md): the state fields, or per-process
    entries `"field[param]"`, that its guard, parameter domains and effect read, and those
    it changes. Two instances whose footprints do not overlap (neither writes what the
    other reads or writes) are independent. Undeclared: dependent on everything.
    """
    if fair not in FAIRNESS:
        raise SpecError(f"@action(fair={fair!r}) must be 'weak' (WF), 'strong' (SF) or None (no fairness).")
    if not isinstance(each, bool):
        raise SpecError(f"@action(each={each!r}) must be True (fair per instance) or False (fair as a whole).")
    if each and fair is None:
        raise SpecError("@action(each=True) says how an action is fair, but no fair= was given: add fair='weak' "
                        "or fair='strong' (or drop each=True).")
    footprint = _footprint("action", reads, writes, params)
    return _marker("action", fn, params=params, fair=fair, each=each, **footprint)


def invariant(fn: Callable | None = None, /, *, name: str | None = None,
              exercised: Callable[[Any, Any], bool] | None = None, reads: Iterable[str] | None = None):
    """Mark `fn(self, state) -> bool` as an invariant, checked on every reachable state.

    To say *why* it fails, return `fail("reason")` (falsy) or raise `InvariantFailed`.
    `exercised(spec, state)` says when the invariant has something to check (the premise of
    an implication, say): a search in which it never holds reports the invariant as vacuous
    (`CheckResult.vacuous`), since an invariant that held only because nothing it speaks
    of ever happened proves nothing.

    `reads` names the state fields the invariant (and its `exercised` premise) reads: under
    partial-order reduction, actions that write them are visible and always explored in
    every order (docs/reduction.md). Undeclared: it reads every field.
    """
    footprint = _footprint("invariant", reads, None, {})
    return _marker("invariant", fn, name=name, exercised=exercised, **footprint)


def _footprint(kind: str, reads: Any, writes: Any, params: dict) -> dict:
    """reads= / writes= as tuples of locations, checked for form: "field" or "field[param]"
    with `param` one of the action's parameters (reduction.py reads them)."""
    out: dict = {}
    for what, given in (("reads", reads), ("writes", writes)):
        if given is None:
            continue
        if isinstance(given, str):
            given = (given,)
        try:
            given = tuple(given)
        except TypeError:
            raise SpecError(f"@{kind}({what}={given!r}) must be a list of state fields such as \"log\" or "
                            f"\"log[r]\" (r a parameter of the action).") from None
        for loc in given:
            problem = location_problem(loc, tuple(params), kind)
            if problem:
                raise SpecError(f"@{kind}({what}=...) holds {loc!r}: {problem}")
        out[what] = given
    if kind == "action" and out and (reads is None) != (writes is None):
        out.setdefault("reads", ())  # one given: the other is empty (the self-check tests writes)
        out.setdefault("writes", ())
    return out


def location_problem(loc: Any, params: tuple, kind: str) -> str | None:
    """Why `loc` is not a footprint location, or None."""
    m = re.fullmatch(r"([A-Za-z_]\w*)(?:\[([A-Za-z_]\w*)\])?", loc) if isinstance(loc, str) else None
    if m is None:
        return ("a location is a state field's name, \"field\", or one process's entry of a per-process tuple, "
                "\"field[param]\", where param names a parameter of the action.")
    if m.group(2) is not None and (kind != "action" or m.group(2) not in params):
        where = f"the action's parameters are {', '.join(params) or 'none'}" if kind == "action" else \
            "an invariant reads whole fields"
        return f"the index {m.group(2)!r} is not a parameter ({where}); write \"{m.group(1)}\" for the whole field."
    return None


def constraint(fn: Callable | None = None, /):
    """Mark a state constraint (TLC's CONSTRAINT): a state failing it is generated but
    neither counted, checked nor expanded."""
    return _marker("constraint", fn)


def terminal(fn: Callable | None = None, /):
    """Mark a predicate of states that may legitimately have no successor (no deadlock)."""
    return _marker("terminal", fn)


class Failure:
    """A falsy invariant result that carries the reason the invariant is false."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"fail({self.reason!r})"


def fail(reason: str) -> Failure:
    """Return this from an invariant to report a violation with its reason."""
    return Failure(reason)


class InvariantFailed(Exception):
    """Raise this inside an invariant (or a helper it calls) to report a violation with a reason."""


@attrs.frozen
class ActionDef:
    name: str
    fn: Callable
    params: tuple[str, ...]
    domains: tuple[Callable, ...]
    fair: str | None = None  # None | 'weak' | 'strong' (liveness only)
    each: bool = False  # fairness per instance rather than of the action as a whole
    reads: tuple[str, ...] | None = None  # footprint (reduction.py); None: undeclared, reads everything
    writes: tuple[str, ...] | None = None

    def label(self, args: tuple) -> str:
        if not self.params:
            return self.name
        inner = ", ".join(f"{p}={a!r}" for p, a in zip(self.params, args))
        return f"{self.name}({inner})"


@attrs.frozen
class SpecInfo:
    """Everything the engine needs to know about a spec class, collected once."""

    cls: type
    actions: tuple[ActionDef, ...]
    invariants: dict[str, Callable]
    exercised: dict[str, Callable]  # invariant name -> premise predicate, for those that declare one
    constraints: tuple[Callable, ...]
    terminals: tuple[Callable, ...]
    constants: tuple[attrs.Attribute, ...]
    has_view: bool
    properties: dict[str, "PropertyDef"] = attrs.field(factory=dict)  # liveness properties (properties.py)
    invariant_reads: dict[str, tuple[str, ...]] = attrs.field(factory=dict)  # invariant name -> fields, where declared


@functools.lru_cache(maxsize=None)
def describe(cls: type) -> SpecInfo:
    """Collect the marked methods of a spec class, bases first, in definition order."""
    if not (isinstance(cls, type) and issubclass(cls, Spec)):
        raise SpecError(f"{cls!r} is not a spec: subclass checker.Spec and decorate it with @attrs.frozen.")
    if not attrs.has(cls):
        raise SpecError(
            f"{cls.__name__} is not an attrs class: decorate it with @attrs.frozen so that its fields "
            "are the model's constants (and its instances are hashable)."
        )
    found: dict[str, tuple[Marked, Callable]] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            mark = getattr(value, _MARK, None)
            if isinstance(mark, Marked):
                found.pop(attr, None)  # an override moves to the subclass's position
                found[attr] = (mark, value)
            elif attr in found and callable(value):
                del found[attr]  # overridden by an undecorated method: no longer an action
    from .properties import PropertyDef

    actions, invariants, constraints, terminals, exercised, properties, invariant_reads = [], {}, [], [], {}, {}, {}
    for attr, (mark, fn) in found.items():
        if mark.kind == "action":
            _check_signature(cls, attr, fn, mark)
            actions.append(ActionDef(attr, fn, tuple(p for p, _ in mark.params), tuple(d for _, d in mark.params),
                                     mark.fair, mark.each, mark.reads, mark.writes))
        elif mark.kind == "property":
            prop = PropertyDef.of(cls, attr, fn, mark)
            properties[prop.name] = prop
        elif mark.kind == "invariant":
            invariants[mark.name or attr] = fn
            if mark.reads is not None:
                invariant_reads[mark.name or attr] = mark.reads
            if mark.exercised is not None:
                exercised[mark.name or attr] = mark.exercised
        elif mark.kind == "constraint":
            constraints.append(fn)
        else:
            terminals.append(fn)
    if cls.init is Spec.init:
        raise SpecError(f"{cls.__name__} has no init(): define `def init(self):` yielding the initial states.")
    return SpecInfo(
        cls=cls,
        actions=tuple(actions),
        invariants=invariants,
        exercised=exercised,
        constraints=tuple(constraints),
        terminals=tuple(terminals),
        constants=tuple(attrs.fields(cls)),
        has_view=callable(getattr(cls, "view", None)),
        properties=_unclashed(cls, properties, invariants),
        invariant_reads=invariant_reads,
    )


def _unclashed(cls: type, properties: dict, invariants: dict) -> dict:
    """Properties and invariants share one namespace: reports, --invariant/--property and
    models.toml's `violation = NAME` name either kind."""
    both = sorted(set(properties) & set(invariants))
    if both:
        raise SpecError(f"{cls.__name__} has an invariant and a property both named {both[0]!r}: a violation names one "
                        "or the other, so give one of them another name (name=... in its decorator).")
    return properties


def _check_signature(cls: type, attr: str, fn: Callable, mark: Marked) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins: nothing to check
        return
    names = [p.name for p in sig.parameters.values()][2:]
    wanted = [p for p, _ in mark.params]
    if any(p.kind is p.VAR_POSITIONAL or p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    if names != wanted:
        raise SpecError(
            f"Action {cls.__name__}.{attr} takes parameters {names} after (self, state), but its @action "
            f"declares domains for {wanted}. Declare one keyword per parameter, in the same order, e.g. "
            f"@action({', '.join(f'{n}=lambda spec, s: ...' for n in names) or ''})."
        )
