"""Port of specifications/locks_auxiliary_vars/Peterson.tla (Peterson.cfg): ProcSet = 1..2,
INVARIANTS TypeOK Inv, deadlock checked. TLC: 42 / 77 / 11, ok.

Process p is index p-1 of `pc` and `c`; `turn` keeps TLA+'s value 1 or 2. One action per
PlusCal label; the labels `a0` and `cs` are `skip` steps that only move pc.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from spec.mechanics import set_at

LABELS = ("a0", "a1", "a2", "a3", "cs", "a4")


class PState(NamedTuple):
    pc: tuple[str, str]
    c: tuple[bool, bool]
    turn: int


def _procs(spec, s):
    return (1, 2)


def other(p: int) -> int:
    return 2 if p == 1 else 1


def _step(s: PState, p: int, at: str, to: str, **changes) -> PState | None:
    if s.pc[p - 1] != at:
        return None
    return s._replace(pc=set_at(s.pc, p - 1, to), **changes)


@attrs.frozen
class Peterson(Spec):
    def init(self):
        yield PState(("a0", "a0"), (False, False), 1)

    @action(p=_procs)
    def a0(self, s, p):
        return _step(s, p, "a0", "a1")

    @action(p=_procs)
    def a1(self, s, p):
        return _step(s, p, "a1", "a2", c=set_at(s.c, p - 1, True))

    @action(p=_procs)
    def a2(self, s, p):
        return _step(s, p, "a2", "a3", turn=other(p))

    @action(p=_procs)
    def a3(self, s, p):
        if not (not s.c[other(p) - 1] or s.turn == p):
            return None
        return _step(s, p, "a3", "cs")

    @action(p=_procs)
    def cs(self, s, p):
        return _step(s, p, "cs", "a4")

    @action(p=_procs)
    def a4(self, s, p):
        return _step(s, p, "a4", "a0", c=set_at(s.c, p - 1, False))

    @invariant(name="TypeOK")
    def type_ok(self, s):
        return all(x in LABELS for x in s.pc) and s.turn in (1, 2) or fail(f"{s}")

    @invariant(name="Inv")
    def inv(self, s):
        for p in (1, 2):
            if s.c[p - 1] != (s.pc[p - 1] in ("a2", "a3", "cs", "a4")):
                return fail(f"c[{p}]={s.c[p - 1]} but pc[{p}]={s.pc[p - 1]}")
            if s.pc[p - 1] in ("cs", "a4") and not (s.turn == p or s.pc[other(p) - 1] in ("a0", "a1", "a2")):
                return fail(f"process {p} holds the lock with turn={s.turn}, pc={s.pc}")
        if all(x in ("cs", "a4") for x in s.pc):
            return fail(f"both processes in the critical section: pc={s.pc}")
        return True
