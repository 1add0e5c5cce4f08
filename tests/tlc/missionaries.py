"""Port of specifications/MissionariesAndCannibals/MissionariesAndCannibals.tla (.cfg):
Missionaries = {m1, m2, m3}, Cannibals = {c1, c2, c3}, INVARIANTS TypeOK Solution, deadlock
checked. TLC: Solution violated with a 12-state trace; with -continue 64 / 283 / 13.

`bank` is (who_is_on_bank["E"], who_is_on_bank["W"]); people are distinct model values
(no symmetry), so moving m1 and moving m2 are different successors, as in TLC.

TLC evaluates a disjunction inside an action as a branch per true disjunct, so a step
whose guard `IsSafe(S)` holds by both disjuncts (S empty) is generated twice. The `why`
parameter names the disjunct of IsSafe(newThisBank) and of IsSafe(newOtherBank) taken,
which reproduces TLC's generated count (283 with -continue; 253 without this).
"""

from __future__ import annotations

from itertools import combinations
from typing import NamedTuple

import attrs

from checker import Spec, action, fail, invariant

BANKS = ("E", "W")


class MCState(NamedTuple):
    boat: str  # bank_of_boat
    bank: tuple[frozenset, frozenset]  # who_is_on_bank, indexed like BANKS


def _subsets(spec, s):
    """SUBSET who_is_on_bank[bank_of_boat]; Move is only enabled for the 1- and 2-element ones,
    the others generate nothing, so only those are enumerated."""
    here = sorted(s.bank[BANKS.index(s.boat)])
    return [frozenset(c) for k in (1, 2) for c in combinations(here, k)]


@attrs.frozen
class MissionariesAndCannibals(Spec):
    missionaries: int = 3
    cannibals: int = 3

    @property
    def people(self) -> frozenset:
        return frozenset([f"m{i}" for i in range(1, self.missionaries + 1)] + [f"c{i}" for i in range(1, self.cannibals + 1)])

    def is_safe(self, group: frozenset, disjunct: int) -> bool:
        """Disjunct 0 of IsSafe: only cannibals; disjunct 1: cannibals do not outnumber missionaries."""
        cannibals = sum(1 for p in group if p[0] == "c")
        return cannibals == len(group) if disjunct == 0 else cannibals <= len(group) - cannibals

    def init(self):
        yield MCState("E", (self.people, frozenset()))

    @action(group=_subsets, why=lambda spec, s: ((0, 0), (0, 1), (1, 0), (1, 1)))
    def move(self, s, group, why):
        b = BANKS.index(s.boat)
        this, other = s.bank[b] - group, s.bank[1 - b] | group
        if not (self.is_safe(this, why[0]) and self.is_safe(other, why[1])):
            return None
        return MCState(BANKS[1 - b], (this, other) if b == 0 else (other, this))

    @invariant(name="TypeOK")
    def type_ok(self, s):
        return s.boat in BANKS and all(side <= self.people for side in s.bank) or fail(f"{s}")

    @invariant(name="Solution")
    def solution(self, s):
        """who_is_on_bank["E"] /= {}: its counterexample is the solution of the puzzle."""
        return bool(s.bank[0]) or fail("everyone is on the west bank")
