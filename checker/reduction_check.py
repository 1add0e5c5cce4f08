"""The self-check of declared footprints (reduction.py reads them).

Why: a footprint that leaves out something an action reads or writes makes two dependent
steps look independent, the reduction then explores one order of them only, and a bug
that needs the other order is never reached: the check passes on a state space it did not
explore. So, on states sampled over the whole search (the first SAMPLE_STATES expanded,
then one in SAMPLE_EVERY), every pair of enabled instances declared independent must
commute (both orders reach the same state), neither may disable the other, and no
instance may enable an instance declared independent of it; every successor may differ
from its state only in the locations its action declares it writes, and a step that writes
no field a checked invariant declares it reads must keep the invariant's value. A failure stops the
search with a SpecError naming the two instances (or the action) and the state. It is a
sample: the declaration remains the author's claim, as with symmetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import SpecError
from .reduction import WHOLE, Footprints
from .spec import InvariantFailed, SpecInfo
from .successors import instances, successors

SAMPLE_STATES = 200  # the first states the search expands are all checked
SAMPLE_EVERY = 500  # then one in this many


class IndependenceCheck:
    """Checks declared independence on sampled states (`sample`, called by the reducer
    with each expanded state and its full list of successors)."""

    def __init__(self, spec: Any, info: SpecInfo, fp: Footprints, invariants: dict | None = None,
                 visible: list[bool] | None = None):
        self.spec, self.info, self.fp = spec, info, fp
        self.invariants = invariants or {}  # checked invariants, whose value an invisible step must keep
        self.visible = visible or [True] * len(info.actions)
        self.name = type(spec).__name__
        self.expanded = 0
        self.checked = 0

    def sample(self, s: Any, succ: list[tuple[int, tuple, Any]]) -> None:
        self.expanded += 1
        if self.expanded <= SAMPLE_STATES or self.expanded % SAMPLE_EVERY == 0:
            self.check_state(s, succ)

    def label(self, inst: tuple[int, tuple]) -> str:
        return self.info.actions[inst[0]].label(inst[1])

    def broken(self, s: Any, what: str) -> SpecError:
        return SpecError(
            f"{self.name} declares footprints (reads=/writes=) that do not hold. In the state {s!r}, {what}. "
            f"A wrong declaration makes dependent steps look independent, and the reduction would explore one "
            f"order of them only and could miss a bug, so the check stops. Fix the reads= / writes= of the "
            f"actions named (every field the guard, the parameter domains and the effect read; every field the "
            f"effect changes), or check without reduction (reduction=False, no --reduction)."
        )

    def check_state(self, s: Any, succ: list[tuple[int, tuple, Any]]) -> None:
        self.checked += 1
        spec, info, fp = self.spec, self.info, self.fp
        enabled = {(ai, args): t for ai, args, t in succ}
        for (ai, args), t in enabled.items():
            self.check_writes(s, (ai, args), t)
            if not self.visible[ai]:
                self.check_invisible(s, (ai, args), t)
        for a, ta in enabled.items():
            if fp.entries[a[0]] is None:
                continue
            for b, tb in enabled.items():
                if not fp.independent(a, b):
                    continue
                act_b = info.actions[b[0]]
                u = act_b.fn(spec, ta, *b[1]) if self._in_domain(b, ta) else None
                if u is None:
                    raise self.broken(s, f"{self.label(a)} and {self.label(b)} are declared independent, but after "
                                         f"{self.label(a)} (to {ta!r}) {self.label(b)} is no longer enabled")
                v = info.actions[a[0]].fn(spec, tb, *a[1]) if self._in_domain(a, tb) else None
                if v is not None and u != v:
                    raise self.broken(s, f"{self.label(a)} and {self.label(b)} are declared independent, but the two "
                                         f"orders reach different states: {u!r} ({self.label(a)} first) and {v!r}")
            for bi, bargs, _ in successors(info, spec, ta):
                b = (bi, bargs)
                if b not in enabled and fp.independent(a, b):
                    raise self.broken(s, f"{self.label(a)} and {self.label(b)} are declared independent, but "
                                         f"{self.label(b)} is enabled only after {self.label(a)} (in {ta!r})")

    def check_invisible(self, s: Any, inst: tuple[int, tuple], t: Any) -> None:
        """A step that writes no field a checked invariant declares it reads keeps every
        invariant's value (and its `exercised` premise's): else an invariant reads more
        than its reads= says, and the reduction could skip the state that breaks it."""
        for name, inv in self.invariants.items():
            premise = self.info.exercised.get(name)
            for what, fn in ((f"invariant {name}", inv), (f"the premise of invariant {name}", premise)):
                if fn is None:
                    continue
                before, after = _truth(fn, self.spec, s), _truth(fn, self.spec, t)
                if before != after:
                    raise self.broken(s, f"{self.label(inst)} writes no field that {what} declares it reads "
                                         f"({', '.join(self.info.invariant_reads.get(name, ()))}), yet {what} is "
                                         f"{before} here and {after} after it (in {t!r}): the invariant's reads= "
                                         "leaves out a field it reads")

    def _in_domain(self, inst: tuple[int, tuple], state: Any) -> bool:
        act = self.info.actions[inst[0]]
        return not act.params or inst[1] in set(instances(act, self.spec, state))

    def check_writes(self, s: Any, inst: tuple[int, tuple], t: Any) -> None:
        """t differs from s only where inst's action declares it writes."""
        locs = self.fp.locations(*inst)
        if locs is None or t is s or type(t) is not type(s):
            return
        written: dict[str, set] = {}
        for field, index, mode in locs:
            if mode == "w":
                written.setdefault(field, set()).add(index)
        for field in _fields(s):
            old, new = getattr(s, field), getattr(t, field)
            if old == new:
                continue
            allowed = written.get(field)
            if allowed is None:
                raise self.broken(s, f"{self.label(inst)} changes the field {field!r} ({old!r} to {new!r}), which "
                                     f"its writes= does not name")
            if WHOLE in allowed:
                continue
            changed = _changed_entries(old, new)
            if changed is None or not changed <= allowed:
                where = "its length or type" if changed is None else f"the entries {sorted(changed - allowed, key=repr)}"
                raise self.broken(s, f"{self.label(inst)} changes {where} of the field {field!r} ({old!r} to "
                                     f"{new!r}), but its writes= names only the entries {sorted(allowed, key=repr)}")


def _truth(fn: Any, spec: Any, s: Any) -> Any:
    """A predicate's value; InvariantFailed is False, any other exception "raises" (the
    search reports those itself)."""
    try:
        return bool(fn(spec, s))
    except InvariantFailed:
        return False
    except Exception:
        return "raises"


def _fields(s: Any) -> tuple[str, ...]:
    from .reduction import state_fields

    return state_fields([s]) or ()


def _changed_entries(old: Any, new: Any) -> set | None:
    """The positions (or keys) in which two per-process values differ, or None if they are
    not two tuples of one length (or two mappings)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    if isinstance(old, (tuple, list)) and isinstance(new, (tuple, list)) and len(old) == len(new):
        return {i for i, (x, y) in enumerate(zip(old, new)) if x != y}
    return None
