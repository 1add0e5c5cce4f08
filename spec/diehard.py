"""The Die Hard jugs puzzle (TLA+'s classic first example): measure exactly `goal` gallons
with a 3- and a 5-gallon jug. The invariant `big_is_not_goal` is *meant* to fail: its
counterexample is the puzzle's solution. Used by the quickstart and the engine tests."""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, invariant, record


@record
class Jugs(NamedTuple):
    small: int = 0
    big: int = 0


@attrs.frozen
class DieHard(Spec):
    goal: int = 4

    def init(self):
        yield Jugs()

    @action
    def fill_small(self, s):
        return s._replace(small=3)

    @action
    def fill_big(self, s):
        return s._replace(big=5)

    @action(jug=lambda spec, s: ("small", "big"))
    def empty(self, s, jug):
        return s._replace(**{jug: 0})

    @action
    def small_to_big(self, s):
        poured = min(s.small, 5 - s.big)
        return Jugs(small=s.small - poured, big=s.big + poured)

    @action
    def big_to_small(self, s):
        poured = min(s.big, 3 - s.small)
        return Jugs(small=s.small + poured, big=s.big - poured)

    @invariant
    def big_is_not_goal(self, s):
        return s.big != self.goal
