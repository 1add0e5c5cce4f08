"""States the engine must tell apart although Python's `hash` does not (fingerprint.py).

Each spec hides its only violation behind a state that differs from a visited one only by
values CPython hashes alike by construction: -1 and -2, "" and 0, a float and an int,
ints 2**61-1 apart, frozen dataclasses of two classes with equal fields, members of two
enums with one name. A fingerprint that merged them would report ok.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from collections import deque
from typing import Any, NamedTuple

import attrs
import pytest

from checker import Spec, action, check, fail, invariant
from checker.record import record


@record
class Slot(NamedTuple):
    x: Any


@attrs.frozen
class Pair(Spec):
    """x goes from `start` to `first` or `second`; the invariant forbids `second`. Two
    values that hash alike make the second state look visited when `first` is found first."""

    first: Any = -1
    second: Any = -2
    start: Any = "start"

    def init(self):
        yield Slot(self.start)

    @action
    def go_first(self, s):
        return s.replace(x=self.first) if s.x == self.start else None

    @action
    def go_second(self, s):
        return s.replace(x=self.second) if s.x == self.start else None

    @invariant
    def never_second(self, s):
        return not (s.x == self.second and type(s.x) is type(self.second)) or fail(f"x={s.x!r}")


@dataclasses.dataclass(frozen=True)
class Request:
    n: int


@dataclasses.dataclass(frozen=True)
class Response:
    n: int


class Color(enum.Enum):
    RED = 1


class Alarm(enum.Enum):
    RED = 1


CLASHING = {
    "minus one and minus two": (-1, -2),
    "empty string and zero": (0, ""),
    "floats -1.0 and -2.0": (-1.0, -2.0),
    "inf and 314159": (314159, float("inf")),
    "ints 2**61-1 apart": (5, 5 + (1 << 61) - 1),
    "half and 2**60": (1 << 60, 0.5),
    "dataclasses of two classes": (Request(1), Response(1)),
    "messages of two classes in a frozenset": (frozenset({Request(1)}), frozenset({Response(1)})),
    "enum members with one name": (Color.RED, Alarm.RED),
    "enum member and its name": ("RED", Color.RED),
}


@pytest.mark.parametrize("name", list(CLASHING))
def test_values_python_hashes_alike_are_both_explored(name):
    first, second = CLASHING[name]
    assert hash(first) == hash(second) and first != second  # the premise: Python merges them
    r = check(Pair(first=first, second=second), deadlock=False)
    assert (r.status, r.distinct_states, r.generated_states) == ("violation", 3, 3)
    assert [s.action for s in r.violation.trace] == ["init", "go_second"]
    assert r.exact_fingerprints
    assert "hashes them alike" in r.warnings[0] and "exact fingerprints" in r.warnings[0]


def test_without_a_clash_the_fast_fingerprint_is_kept():
    r = check(Pair(first=-1, second=-3), deadlock=False)
    assert (r.status, r.distinct_states) == ("violation", 3)
    assert not r.exact_fingerprints and r.warnings == []


def test_a_clash_in_a_parallel_search_reruns_exactly():
    r = check(Pair(first=-1, second=-2), deadlock=False, workers=2)
    assert (r.status, r.distinct_states, r.generated_states) == ("violation", 3, 3)
    assert r.exact_fingerprints


def test_a_clash_hidden_deep_is_found_exactly():
    """The clashing value appears only after a long counter: no scan of the first states sees it."""
    r = check(Countdown(), deadlock=False)
    assert (r.status, r.distinct_states) == ("violation", 603)
    assert len(r.violation.trace) == 302 and r.exact_fingerprints


@attrs.frozen
class Countdown(Spec):
    def init(self):
        yield (0, 0)

    @action
    def tick(self, s):
        return (s[0] + 1, 0) if s[0] < 300 and s[1] == 0 else None

    @action
    def mark(self, s):
        return (s[0], -1) if s[1] == 0 else None

    @action
    def flip(self, s):
        return (s[0], -2) if s[0] == 300 and s[1] == 0 else None

    @invariant
    def never_flipped(self, s):
        return s[1] != -2


class Opaque:
    """A plain class: compared by identity, so no two instances are ever equal."""


@attrs.frozen
class HoldsOpaque(Spec):
    def init(self):
        yield Slot(0)

    @action
    def make(self, s):
        return Slot((1, Opaque())) if s.x == 0 else None


def test_identity_hashed_values_are_refused():
    r = check(HoldsOpaque(), deadlock=False)
    assert r.status == "error"
    msg = r.violation.message
    assert "only equal to itself" in msg and "x[1] is a Opaque object" in msg and "@attrs.frozen" in msg
    assert [s.action for s in r.violation.trace] == ["init", "make"]  # to the state that holds it


@attrs.frozen
class HoldsNan(Spec):
    def init(self):
        yield Slot(float("nan"))


def test_nan_is_refused():
    r = check(HoldsNan(), deadlock=False)
    assert r.status == "error" and "x is nan" in r.violation.message


# -- random specs against an exact reference search ------------------------------------------

VALUES = (-2, -1, 0, "", 0.5, 1 << 60, Request(1), Response(1))


@attrs.frozen
class RandomGraph(Spec):
    """States are pairs of VALUES; each state's successors come from a seeded table."""

    seed: int = 0

    def table(self) -> tuple[dict, Any]:
        rng = random.Random(self.seed)
        states = [(a, b) for a in VALUES for b in VALUES]
        succ = {s: [rng.choice(states) for _ in range(rng.randint(0, 3))] for s in states}
        return succ, rng.choice(states)

    def init(self):
        yield (VALUES[2], VALUES[2])

    @action(k=lambda spec, s: range(3))
    def step(self, s, k):
        succ = _TABLES.setdefault(self.seed, self.table())[0][s]
        return succ[k] if k < len(succ) else None

    @invariant
    def not_bad(self, s):
        bad = _TABLES.setdefault(self.seed, self.table())[1]
        return not (s == bad and list(map(type, s)) == list(map(type, bad)))


_TABLES: dict[int, Any] = {}


def _reference(spec: RandomGraph) -> tuple[str, int]:
    """Exact breadth-first search over a set of states (== decides), stopping at the first bad state."""
    succ, bad = spec.table()
    start = (VALUES[2], VALUES[2])
    seen, queue = {start}, deque([start])
    found = start == bad and list(map(type, start)) == list(map(type, bad))
    while queue and not found:
        s = queue.popleft()
        for t in succ[s]:
            if t not in seen:
                seen.add(t)
                queue.append(t)
                if t == bad and list(map(type, t)) == list(map(type, bad)):
                    found = True
                    break
    return ("violation" if found else "ok"), len(seen)


def test_random_specs_over_values_python_hashes_alike_match_an_exact_search():
    wrong = []
    for seed in range(200):
        spec = RandomGraph(seed=seed)
        status, distinct = _reference(spec)
        r = check(spec, deadlock=False)
        if r.status != status or (status == "ok" and r.distinct_states != distinct):
            wrong.append((seed, r.status, status, r.distinct_states, distinct))
    assert wrong == []


def test_a_search_cut_short_by_a_limit_warns_instead_of_starting_again():
    r = check(Countdown(), deadlock=False, max_states=400)
    assert r.status == "incomplete" and r.reason == "reached max_states=400"
    assert not r.exact_fingerprints and r.warnings == []  # the clash lies deeper than the cut
    r = check(Pair(first=-1, second=-2), deadlock=False, max_depth=1)  # both successors are met, then the cut
    assert r.status == "incomplete" and r.reason == "reached max_depth=1" and not r.exact_fingerprints
    assert "hashes them alike" in r.warnings[0] and "this search was cut short" in r.warnings[0]
