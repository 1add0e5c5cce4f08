"""Tiny specs with hand-checkable state spaces, and deliberately broken ones for the error paths."""

from __future__ import annotations

from typing import Literal, NamedTuple

import attrs

from checker import InvariantFailed, Spec, action, constraint, fail, invariant, terminal


@attrs.frozen
class Counter(Spec):
    """x = 0; x' = x + 1; CONSTRAINT x <= limit. TLC: 7 generated, 6 distinct, depth 6 (limit 5)."""

    limit: int = 5

    def init(self):
        yield 0

    @action
    def inc(self, s):
        return s + 1

    @constraint
    def bounded(self, s):
        return s <= self.limit


@attrs.frozen
class Lonely(Spec):
    """One initial state, no enabled action."""

    def init(self):
        yield "only"

    @action
    def never(self, s):
        return None


@attrs.frozen
class Stutter(Spec):
    def init(self):
        yield 0

    @action
    def same(self, s):
        return s


class P(NamedTuple):
    x: int
    y: int


@attrs.frozen
class Grid(Spec):
    """x, y in 0..n-1, moves right or up until the corner, which is terminal."""

    n: int = 3
    allow_corner: bool = True
    mode: Literal["plain", "fancy"] = "plain"

    def init(self):
        yield P(0, 0)

    @action(d=lambda spec, s: ("x", "y"))
    def move(self, s, d):
        v = getattr(s, d) + 1
        if v >= self.n:
            return None
        return s._replace(**{d: v})

    @terminal
    def corner(self, s):
        return self.allow_corner and s == P(self.n - 1, self.n - 1)

    @invariant
    def not_far(self, s):
        return s.x + s.y < 3 or fail(f"x+y = {s.x + s.y}")

    @invariant
    def x_small(self, s):
        if s.x >= 2:
            raise InvariantFailed(f"x reached {s.x}")
        return True

    @invariant
    def always(self, s):
        return True


@attrs.frozen
class Broken(Spec):
    """Each `how` breaks one rule, after two good steps."""

    how: str = "raise"

    def init(self):
        if self.how == "init":
            raise RuntimeError("no initial state today")
        yield (0,)

    @action
    def step(self, s):
        if s[0] < 2:
            return (s[0] + 1,)
        if self.how == "raise":
            return {}["missing"]
        if self.how == "list":
            return ([1, 2],)
        if self.how == "bool":
            return s[0] > 0
        if self.how == "type":
            return "not a tuple"
        return None

    @action(k=lambda spec, s: [1] if spec.how != "domain" or s[0] < 2 else 1 / 0)
    def other(self, s, k):
        return None

    @invariant
    def checked(self, s):
        if self.how == "inv" and s[0] == 2:
            return s.nothing
        if self.how == "none" and s[0] == 1:
            return None
        return True


@attrs.define
class MutableState:
    v: int = 0


@attrs.frozen
class Mutable(Spec):
    def init(self):
        yield MutableState()

    @action
    def bump(self, s):
        return None


@attrs.frozen
class Infinite(Spec):
    def init(self):
        yield 0

    @action
    def inc(self, s):
        return s + 1


@attrs.frozen
class StopAfter(Spec):
    """Raises KeyboardInterrupt (as Ctrl-C would) once x reaches `at`."""

    at: int = 50

    def init(self):
        yield 0

    @action
    def inc(self, s):
        if s >= self.at:
            raise KeyboardInterrupt
        return s + 1


@attrs.frozen
class Words(Spec):
    """A spec over strings and sets of strings: its counts and traces must not depend on PYTHONHASHSEED."""

    def init(self):
        yield frozenset()

    @action(w=lambda spec, s: frozenset({"alpha", "beta", "gamma", "delta"}) - s)
    def add(self, s, w):
        return s | {w}

    @invariant
    def small(self, s):
        return len(s) < 3
