"""Partial-order reduction: in each state, expand an ample subset of the enabled action
instances instead of all of them, so that one order of independent steps is explored.

Why: in protocol models most interleavings are of independent steps (deliveries to
different servers, a client write next to an unrelated timeout), and exploring every
order of them is what makes larger configurations out of reach. Design and what is
preserved: docs/reduction.md. In short:

- Independence comes from footprints the spec declares (`@action(reads=, writes=)`): a
  location is a field, or one entry `field[v]` of a per-process tuple for the value v of
  the action's parameter. Two instances are independent when neither writes a location
  the other reads or writes. The self-check (reduction_check.py) tests the claim.
- The ample set of a state: the enabled instances that belong to a *closed* set S of
  instances — closed under dependency over every instance, enabled or not, that could
  ever exist (computed symbolically from the footprints, once per seed instance and
  cached). Then any path that avoids S is made only of instances independent of all of
  S (C1): none of them enables, disables or interferes with an ample instance.
- C0: the seed is enabled, so a state with successors has a non-empty ample set
  (deadlocks are preserved). C2: no ample instance writes a field a checked invariant
  or constraint reads (else the state is fully expanded). C3, in its breadth-first form:
  if any ample successor was already visited, the state is fully expanded — so every
  cycle of the reduced graph has a fully expanded state, and no action is ignored forever.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .errors import SpecError
from .spec import SpecInfo
from .successors import successors

WHOLE = object()  # a location index: every entry of the field (an unindexed footprint, or an unbound parameter)


def parse(loc: str) -> tuple[str, str | None]:
    """"field" -> ("field", None); "field[p]" -> ("field", "p")."""
    if "[" in loc:
        field, param = loc[:-1].split("[")
        return field, param
    return loc, None


class Footprints:
    """The declared footprints of a spec's actions, per action as (field, parameter position
    or None, 'r' | 'w') entries, or None for an action that declares none (dependent on all)."""

    def __init__(self, info: SpecInfo, fields: tuple[str, ...] | None):
        self.info = info
        self.entries: list[tuple[tuple[str, int | None, str], ...] | None] = []
        for act in info.actions:
            if act.reads is None and act.writes is None:
                self.entries.append(None)
                continue
            out = []
            for mode, locs in (("r", act.reads or ()), ("w", act.writes or ())):
                for loc in locs:
                    field, param = parse(loc)
                    if fields is not None and field not in fields:
                        raise SpecError(
                            f"{info.cls.__name__}.{act.name} declares {'reads' if mode == 'r' else 'writes'}="
                            f"{loc!r}, but the state has no field {field!r} (its fields: {', '.join(fields)}). "
                            "Name the state's fields in footprints.")
                    out.append((field, None if param is None else act.params.index(param), mode))
            self.entries.append(tuple(out))
        self.declared = any(e is not None for e in self.entries)

    def locations(self, ai: int, args: tuple) -> tuple[tuple[str, Any, str], ...] | None:
        """The concrete footprint of one instance: (field, index value or WHOLE, mode)."""
        entries = self.entries[ai]
        if entries is None:
            return None
        return tuple((f, WHOLE if pos is None else args[pos], m) for f, pos, m in entries)

    def independent(self, a: tuple[int, tuple], b: tuple[int, tuple]) -> bool:
        """Whether two concrete instances are declared independent (distinct instances only)."""
        if a == b:
            return False
        la, lb = self.locations(*a), self.locations(*b)
        if la is None or lb is None:
            return False
        return not any(fa == fb and "w" in (ma + mb) and (ia is WHOLE or ib is WHOLE or ia == ib)
                       for fa, ia, ma in la for fb, ib, mb in lb)


class Closure:
    """The closed set S grown from one seed instance, symbolically: per action, the bindings
    (parameter position -> value) whose instances belong to S; an empty binding means every
    instance of the action. Closed under dependency: an instance outside S touches no
    location an instance of S writes, and writes none S touches."""

    def __init__(self, fp: Footprints, seed: tuple[int, tuple]):
        self.members: dict[int, set[tuple]] = {}
        bound = {pos: seed[1][pos] for _, pos, _ in (fp.entries[seed[0]] or ()) if pos is not None}
        todo = [(seed[0], tuple(sorted(bound.items(), key=lambda kv: kv[0])))]
        while todo:
            ai, binding = todo.pop()
            have = self.members.setdefault(ai, set())
            if () in have or binding in have:
                continue
            have.add(binding)
            entries = fp.entries[ai]
            if entries is None:  # undeclared: dependent on every instance of every action
                todo.extend((bi, ()) for bi in range(len(fp.entries)))
                continue
            bound = dict(binding)
            for field, pos, mode in entries:
                index = WHOLE if pos is None or pos not in bound else bound[pos]
                for bi, other in enumerate(fp.entries):
                    if other is None:
                        todo.append((bi, ()))
                        continue
                    for f2, pos2, m2 in other:
                        if f2 == field and "w" in (mode + m2):
                            todo.append((bi, () if index is WHOLE or pos2 is None else ((pos2, index),)))

    def contains(self, ai: int, args: tuple) -> bool:
        bindings = self.members.get(ai)
        if not bindings:
            return False
        return any(all(args[pos] == v for pos, v in b) for b in bindings)


class Reducer:
    """Chooses the successors a state is expanded with (`expand`), and counts states
    expanded fully and reduced. `visited(t)` says whether a successor was already found
    (the proviso); `proviso=False` exists for the test that shows it is needed."""

    def __init__(self, spec: Any, info: SpecInfo, invariants: Iterable[str], visited: Callable[[Any], bool],
                 fields: tuple[str, ...] | None, proviso: bool = True):
        self.spec, self.info, self.visited, self.proviso = spec, info, visited, proviso
        self.fp = Footprints(info, fields)
        self.invariants = {name: info.invariants[name] for name in invariants}
        read: set[str] | None = set()
        for name in invariants:
            fields_read = info.invariant_reads.get(name)
            if fields_read is None:
                read = None  # an invariant that does not say what it reads reads everything
                break
            unknown = [f for f in fields_read if fields is not None and f not in fields]
            if unknown:
                raise SpecError(f"{info.cls.__name__}'s invariant {name} declares reads={fields_read!r}, but the state "
                                f"has no field {unknown[0]!r} (its fields: {', '.join(fields or ())}). Name the state's "
                                "fields the invariant reads.")
            read.update(fields_read)
        if info.constraints:
            read = None  # a constraint prunes states by fields it does not declare: every write is visible
        self.visible = [entries is None or read is None or any(m == "w" and f in read for f, _, m in entries)
                        for entries in self.fp.entries]
        self.closures: dict[tuple[int, tuple], Closure] = {}
        self.fully = 0  # states expanded with every enabled instance
        self.reduced = 0  # states expanded with a proper ample subset
        self.check: Any = None  # the self-check (reduction_check.py), handed states to sample

    def closure(self, ai: int, args: tuple) -> Closure:
        key = (ai, args)
        c = self.closures.get(key)
        if c is None:
            c = self.closures[key] = Closure(self.fp, key)
        return c

    def ample(self, succ: list[tuple[int, tuple, Any]]) -> list[int] | None:
        """Positions in `succ` of the smallest ample set (first seed on ties), or None if
        every candidate is all of `succ` or holds a visible instance."""
        best: list[int] | None = None
        for ai, args, _ in succ:
            if self.visible[ai]:
                continue
            c = self.closure(ai, args)
            chosen = [j for j, (aj, argj, _) in enumerate(succ) if c.contains(aj, argj)]
            if len(chosen) == len(succ) or any(self.visible[succ[j][0]] for j in chosen):
                continue
            if best is None or len(chosen) < len(best):
                best = chosen
                if len(best) == 1:
                    break
        return best

    def expand(self, s: Any) -> tuple[list[tuple[int, tuple, Any]], list[int] | None]:
        """Every successor of `s` in the search's order, and the positions of those it is
        expanded with (None: all of them)."""
        succ = list(successors(self.info, self.spec, s))
        if self.check is not None:
            self.check.sample(s, succ)
        chosen = self.ample(succ) if len(succ) > 1 and self.fp.declared else None
        if chosen is not None and self.proviso:
            if any(succ[j][2] is s or self.visited(succ[j][2]) for j in chosen):
                chosen = None  # C3 for breadth-first search: an ample successor already seen
        if chosen is None:
            self.fully += 1
        else:
            self.reduced += 1
        return succ, chosen


def state_fields(states: list[Any]) -> tuple[str, ...] | None:
    """The field names of the initial states' type (a NamedTuple, @record, attrs or
    dataclass record), or None if the states have no named fields or several types."""
    import attrs

    types = {type(s) for s in states}
    if len(types) != 1:
        return None
    cls = types.pop()
    if hasattr(cls, "_fields"):
        return tuple(cls._fields)
    if attrs.has(cls):
        return tuple(a.name for a in attrs.fields(cls))
    fields = getattr(cls, "__dataclass_fields__", None)
    return tuple(fields) if fields is not None else None


__all__ = ["Footprints", "Closure", "Reducer", "WHOLE", "state_fields"]
