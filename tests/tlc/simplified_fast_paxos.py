"""Port of specifications/SimplifiedFastPaxos/Paxos.tla (Paxos.cfg) without SYMMETRY:
Replicas = 4, Values = 3, Ballots = {0, 1, 2}, Quorums = the four 3-of-4 sets,
INVARIANTS PaxosTypeOK PaxosNontriviality. TLC: 48514 / 491173 / 22 (9.2 s), a bench entry.
The text is read from a copy of the module (the original is not in the searchable index);
TLC's counts are what confirm it. PaxosConsistency is a temporal property: not ported.

Messages are tuples ("P1a", b), ("P1b", b, acceptor, maxVBallot, maxValue), ("P2a", b, v),
("P2b", b, acceptor, v); `none` is None. TLC's branching is kept: PaxosDecide's
`\\E m \\in M : decision' = m.value` yields one successor per 2b message of the quorum
(all carry the same value), so Decide takes the witness m as a parameter.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from spec.mechanics import set_at


class FPState(NamedTuple):
    messages: frozenset
    decision: Any  # a value or None
    maxBallot: tuple[int, ...]
    maxVBallot: tuple[int, ...]
    maxValue: tuple[Any, ...]


def _sorted(msgs) -> list:
    return sorted(msgs, key=repr)


@attrs.frozen
class SimplifiedPaxos(Spec):
    replicas: int = 4
    values: int = 3
    max_ballot: int = 2
    quorum_size: int = 3

    @property
    def quorums(self) -> tuple[frozenset, ...]:
        return tuple(frozenset(q) for q in combinations(range(self.replicas), self.quorum_size))

    def init(self):
        n = self.replicas
        yield FPState(frozenset(), None, (0,) * n, (0,) * n, (None,) * n)

    @action(b=lambda spec, s: range(1, spec.max_ballot + 1))
    def prepare(self, s, b):
        return s._replace(messages=s.messages | {("P1a", b)})

    @action(a=lambda spec, s: range(spec.replicas), m=lambda spec, s: _sorted(m for m in s.messages if m[0] == "P1a"))
    def promise(self, s, a, m):
        if not s.maxBallot[a] < m[1]:
            return None
        return s._replace(
            maxBallot=set_at(s.maxBallot, a, m[1]),
            messages=s.messages | {("P1b", m[1], a, s.maxVBallot[a], s.maxValue[a])},
        )

    @action(b=lambda spec, s: range(spec.max_ballot + 1), q=lambda spec, s: range(len(spec.quorums)),
            v=lambda spec, s: range(spec.values))
    def accept(self, s, b, q, v):
        if any(m[0] == "P2a" and m[1] == b for m in s.messages):
            return None
        quorum = self.quorums[q]
        big_m = [m for m in s.messages if m[0] == "P1b" and m[1] == b and m[2] in quorum]
        # \A a \in q : \E m \in M : m.acceptor = a -- at most one P1b per (acceptor, ballot)
        if {m[2] for m in big_m} != quorum:
            return None
        # \/ \A m \in M : m.maxValue = none  \/ v = ForcedValue(M): exclusive, as v # none
        if not all(m[4] is None for m in big_m):
            forced = max(big_m, key=lambda m: m[3])[4]
            if v != forced:
                return None
        return s._replace(messages=s.messages | {("P2a", b, v)})

    @action(a=lambda spec, s: range(spec.replicas), m=lambda spec, s: _sorted(m for m in s.messages if m[0] == "P2a"))
    def accepted(self, s, a, m):
        if not s.maxBallot[a] <= m[1]:
            return None
        return s._replace(
            maxBallot=set_at(s.maxBallot, a, m[1]), maxVBallot=set_at(s.maxVBallot, a, m[1]),
            maxValue=set_at(s.maxValue, a, m[2]), messages=s.messages | {("P2b", m[1], a, m[2])},
        )

    @action(b=lambda spec, s: range(spec.max_ballot + 1), q=lambda spec, s: range(len(spec.quorums)),
            m=lambda spec, s: _sorted(m for m in s.messages if m[0] == "P2b"))
    def decide(self, s, b, q, m):
        quorum = self.quorums[q]
        big_m = [x for x in s.messages if x[0] == "P2b" and x[1] == b and x[2] in quorum]
        if m not in big_m or {x[2] for x in big_m} != quorum:
            return None
        return s._replace(decision=m[3])

    @invariant(name="PaxosTypeOK")
    def type_ok(self, s):
        values, ballots = set(range(self.values)), set(range(self.max_ballot + 1))
        ok = (s.decision is None or s.decision in values) and all(b in ballots for b in s.maxBallot + s.maxVBallot)
        return ok or fail(f"{s}")

    @invariant(name="PaxosNontriviality")
    def nontriviality(self, s):
        if s.decision is not None and not any(m[0] == "P2a" and m[2] == s.decision for m in s.messages):
            return fail(f"decision {s.decision} was never proposed")
        for m in s.messages:
            if m[0] == "P1b" and (m[4] is None) != (m[3] == 0):
                return fail(f"P1b {m}: maxValue none iff maxVBallot 0")
        return True
