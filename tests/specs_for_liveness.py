"""Small specs whose liveness verdicts turn on one point of the semantics each.

Every one has an equivalent TLA+ module under tests/tlc_liveness/ (same name), on which
TLC gives the verdicts the tests assert (its output is noted there). All are checked with
deadlock=False: a state without successors stutters forever.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from checker import Spec, action, always_eventually, eventually, eventually_always, leads_to


class X(NamedTuple):
    x: int


class Flag(NamedTuple):
    x: int
    done: bool


# --- WF and SF differ: `finish` is enabled only every other step of an endless toggle. ---

@attrs.frozen
class FlickerWeak(Spec):
    """`finish` is possible only while x = 1 and `toggle` (weakly fair) keeps flipping x:
    weak fairness lets `finish` be skipped forever, as it is never continuously enabled."""

    def init(self):
        yield Flag(0, False)

    @action(fair="weak")
    def toggle(self, s):
        return None if s.done else s._replace(x=1 - s.x)

    @action(fair="weak")
    def finish(self, s):
        return s._replace(done=True) if s.x == 1 and not s.done else None

    @eventually
    def finishes(self, s):
        return s.done


@attrs.frozen
class FlickerStrong(FlickerWeak):
    """The same with strong fairness on `finish`: enabled infinitely often, so taken."""

    @action(fair="strong")
    def finish(self, s):
        return s._replace(done=True) if s.x == 1 and not s.done else None


# --- Fairness of an action as a whole vs of each instance: one client may starve. ---

class Requests(NamedTuple):
    pending: tuple[bool, bool]  # pending[c - 1]: client c waits to be served


def _clients(spec, s=None):
    return (1, 2)


@attrs.frozen
class ServeWhole(Spec):
    """WF of `serve` as a whole is met by serving client 2 over and over while client 1 waits."""

    def init(self):
        yield Requests((False, False))

    @action(c=_clients)
    def request(self, s, c):
        return None if s.pending[c - 1] else Requests(tuple(True if i == c - 1 else p for i, p in enumerate(s.pending)))

    @action(c=_clients, fair="weak")
    def serve(self, s, c):
        return Requests(tuple(False if i == c - 1 else p for i, p in enumerate(s.pending))) if s.pending[c - 1] else None

    @leads_to(lambda spec, s, c: s.pending[c - 1], c=_clients)
    def served(self, s, c):
        return not s.pending[c - 1]


@attrs.frozen
class ServeEach(ServeWhole):
    """WF of each `serve(c)`: client 1's request, continuously enabled, must be served."""

    @action(c=_clients, fair="weak", each=True)
    def serve(self, s, c):
        return Requests(tuple(False if i == c - 1 else p for i, p in enumerate(s.pending))) if s.pending[c - 1] else None


# --- Stuttering is the counterexample. ---

@attrs.frozen
class Idle(Spec):
    """Nothing forces `start`: the initial state may stutter forever."""

    def init(self):
        yield X(0)

    @action
    def start(self, s):
        return X(1) if s.x == 0 else None

    @eventually
    def started(self, s):
        return s.x == 1

    @leads_to(lambda spec, s: s.x == 0)
    def zero_is_zero(self, s):
        """Matched in the same state: holds even though nothing moves."""
        return s.x == 0


@attrs.frozen
class IdleFair(Idle):
    @action(fair="weak")
    def start(self, s):
        return X(1) if s.x == 0 else None


@attrs.frozen
class SpinInPlace(Spec):
    """`spin` (weakly fair) yields the state it is given: a stutter, never enabled, so its
    fairness does not stop the initial state stuttering forever."""

    def init(self):
        yield X(0)

    @action(fair="weak")
    def spin(self, s):
        return s

    @action
    def go(self, s):
        return X(1) if s.x == 0 else None

    @eventually
    def gone(self, s):
        return s.x == 1


# --- A deadlocked state (deadlock=False) stutters forever, fairness or not. ---

@attrs.frozen
class Fork(Spec):
    """From 0, `left` leads to the dead end 1 and `right` to 2; both are weakly fair."""

    def init(self):
        yield X(0)

    @action(fair="weak")
    def left(self, s):
        return X(1) if s.x == 0 else None

    @action(fair="weak")
    def right(self, s):
        return X(2) if s.x == 0 else None

    @eventually
    def reaches_two(self, s):
        return s.x == 2


# --- Each of the four forms, passing (bounce=False) and failing (bounce=True). ---

@attrs.frozen
class Countdown(Spec):
    """x counts down from `start` to 0 by a weakly fair `dec`; with `bounce`, an unfair step
    may send x from 1 back to `start`, which can repeat forever."""

    start: int = 3
    bounce: bool = False

    def init(self):
        yield X(self.start)

    @action(fair="weak")
    def dec(self, s):
        return X(s.x - 1) if s.x > 0 else None

    @action
    def rebound(self, s):
        return X(self.start) if self.bounce and s.x == 1 else None

    @eventually
    def reaches_zero(self, s):
        return s.x == 0

    @always_eventually
    def zero_often(self, s):
        return s.x == 0

    @eventually_always
    def zero_forever(self, s):
        return s.x == 0

    @leads_to(lambda spec, s: s.x == spec.start)
    def top_leads_to_zero(self, s):
        return s.x == 0


@attrs.frozen
class CountdownVacuous(Countdown):
    """Two properties that hold for no reason: a trigger never met, and a P always true."""

    @leads_to(lambda spec, s: s.x < 0)
    def negative_leads_to_zero(self, s):
        return s.x == 0

    @eventually
    def bounded(self, s):
        return s.x <= self.start


# --- One step, two actions: the step takes both. ---

@attrs.frozen
class SharedStep(Spec):
    """0 -> 1 is both `a` (unfair) and `c` (strongly fair); 1 -> 0 is `b` (weakly fair) and
    1 -> 2 is `d` (unfair). The cycle 0 -> 1 -> 0 takes `c` (the step 0 -> 1 is a `c` step,
    whichever action is named), so it is fair and never reaches 2: `reaches_two` is
    violated. A checker that credits each step to one action only would call it starved
    and wrongly report that the property holds."""

    def init(self):
        yield X(0)

    @action
    def a(self, s):
        return X(1) if s.x == 0 else None

    @action(fair="weak")
    def b(self, s):
        return X(0) if s.x == 1 else None

    @action(fair="strong")
    def c(self, s):
        return X(1) if s.x == 0 else None

    @action
    def d(self, s):
        return X(2) if s.x == 1 else None

    @eventually
    def reaches_two(self, s):
        return s.x == 2
