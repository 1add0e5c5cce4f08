"""Port of the Paxos consensus spec (Lamport): specifications/Paxos/Paxos.tla via MCPaxos.tla / MCPaxos.cfg
without SYMMETRY:
MCAcceptor = {a1}, MCValue = {v1}, MCQuorum = {{a1}}, Ballot = 0..1, INVARIANTS Inv1..Inv4,
deadlock checked. TLC: 25 / 82 / 9 (same with symmetry). The same actions are
specifications/PaxosHowToWinATuringAward/Paxos.tla, checked by MCPaxos.tla + MCPaxosTiny.cfg
with {a1, a2, a3}, {v1, v2}, majority quorums, MaxBallot = 1, INVARIANT Inv: TLC 3921 / 23563 / 17.
(specifications/Paxos/Paxos.tla itself is not in the searchable index; its actions and Inv
conjuncts are taken from the PaxosHowToWinATuringAward copy, which MCPaxos's counts confirm.)

Messages are tuples: ("1a", b), ("1b", acc, b, mbal, mval), ("2a", b, v), ("2b", acc, b, v);
None is Python's None. As TLC does, every witness of an \\E in an action is a separate
successor: Phase1b / Phase2b take the message m, and Phase2a takes the quorum, the 1b
message of each quorum member (`\\A a \\in Q : \\E m \\in Q1b`) and the disjunct of the
value rule (0: Q1bv = {}; otherwise the highest-ballot 1b message that carries v).
Sending a message already in `msgs` (Phase1a again) is a stuttering successor.
"""

from __future__ import annotations

from itertools import product
from typing import Any, NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from spec.mechanics import set_at

from .voting import Voting, VState, majorities


class PxState(NamedTuple):
    maxBal: tuple[int, ...]
    maxVBal: tuple[int, ...]
    maxVal: tuple[Any, ...]
    msgs: frozenset


def _msgs(spec, s):
    return sorted(s.msgs, key=repr)


@attrs.frozen
class Paxos(Spec):
    acceptors: int = 1
    values: int = 1
    max_ballot: int = 1

    @property
    def quorums(self) -> tuple[frozenset, ...]:
        return majorities(self.acceptors)

    def init(self):
        n = self.acceptors
        yield PxState((-1,) * n, (-1,) * n, (None,) * n, frozenset())

    @action(b=lambda spec, s: range(spec.max_ballot + 1))
    def phase1a(self, s, b):
        return s._replace(msgs=s.msgs | {("1a", b)})

    @action(b=lambda spec, s: range(spec.max_ballot + 1), v=lambda spec, s: range(spec.values),
            q=lambda spec, s: range(len(spec.quorums)), w=lambda spec, s: [None] + _msgs(spec, s))
    def phase2a(self, s, b, v, q, w):
        """w is the disjunct of the value rule: None for `Q1bv = {}`, else the witness m."""
        if any(m[0] == "2a" and m[1] == b for m in s.msgs):
            return None
        quorum = self.quorums[q]
        q1b = [m for m in s.msgs if m[0] == "1b" and m[1] in quorum and m[2] == b]
        # \A a \in Q : \E m \in Q1b : m.acc = a -- one branch per choice of message per member
        branches = 1
        for a in quorum:
            branches *= sum(1 for m in q1b if m[1] == a)
        if not branches:
            return None
        assert branches == 1, "an acceptor sends one 1b per ballot, so the choice is unique"
        q1bv = [m for m in q1b if m[3] >= 0]
        if w is None:
            if q1bv:
                return None
        elif not (w in q1bv and w[4] == v and all(w[3] >= mm[3] for mm in q1bv)):
            return None
        return s._replace(msgs=s.msgs | {("2a", b, v)})

    @action(a=lambda spec, s: range(spec.acceptors), m=_msgs)
    def phase1b(self, s, a, m):
        if m[0] != "1a" or not m[1] > s.maxBal[a]:
            return None
        return s._replace(
            maxBal=set_at(s.maxBal, a, m[1]), msgs=s.msgs | {("1b", a, m[1], s.maxVBal[a], s.maxVal[a])}
        )

    @action(a=lambda spec, s: range(spec.acceptors), m=_msgs)
    def phase2b(self, s, a, m):
        if m[0] != "2a" or not m[1] >= s.maxBal[a]:
            return None
        return PxState(
            set_at(s.maxBal, a, m[1]), set_at(s.maxVBal, a, m[1]), set_at(s.maxVal, a, m[2]),
            s.msgs | {("2b", a, m[1], m[2])},
        )

    # -- invariants: the conjuncts of Paxos.tla's Inv ------------------------------------------

    def votes(self, s, a) -> frozenset:
        return frozenset((m[2], m[3]) for m in s.msgs if m[0] == "2b" and m[1] == a)

    def voting(self) -> Voting:
        return Voting(self.acceptors, self.values, self.max_ballot)

    def voting_state(self, s) -> VState:
        """The refinement mapping: Voting's votes are the 2b messages, maxBal is maxBal."""
        return VState(tuple(self.votes(s, a) for a in range(self.acceptors)), s.maxBal)

    @invariant(name="Inv1")
    def type_ok(self, s):
        ballots, values = set(range(self.max_ballot + 1)), set(range(self.values))
        ok = all(b == -1 or b in ballots for b in s.maxBal + s.maxVBal) and all(v is None or v in values for v in s.maxVal)
        return ok or fail(f"TypeOK: {s}")

    @invariant(name="Inv2")
    def last_vote_recorded(self, s):
        for a in range(self.acceptors):
            if s.maxVBal[a] == -1:
                if s.maxVal[a] is not None:
                    return fail(f"acceptor {a} has maxVal {s.maxVal[a]} without a vote")
            elif (s.maxVBal[a], s.maxVal[a]) not in self.votes(s, a):
                return fail(f"acceptor {a}'s last vote is not among its 2b messages")
        return True

    @invariant(name="Inv3")
    def messages_backed(self, s):
        voting, vs = self.voting(), self.voting_state(s)
        for m in s.msgs:
            if m[0] == "1b":
                if s.maxBal[m[1]] < m[2] or (m[3] >= 0 and (m[3], m[4]) not in self.votes(s, m[1])):
                    return fail(f"1b message {m} is not backed by its acceptor's state")
            if m[0] == "2a":
                safe = any(
                    voting.shows_safe_at(vs, q, m[1], m[2], c, x)
                    for q in voting.quorums for c, x in product(range(-1, m[1]), range(-1, self.acceptors))
                )
                if not safe or any(mm[0] == "2a" and mm[1] == m[1] and mm[2] != m[2] for mm in s.msgs):
                    return fail(f"2a message {m} is not safe")
        return True

    @invariant(name="Inv4")
    def voting_inv(self, s):
        """V!Inv: Voting's invariant under the refinement mapping."""
        return self.voting().inv(self.voting_state(s))

    @invariant(name="Inv")
    def inv(self, s):
        """PaxosHowToWinATuringAward's Inv: the above plus maxBal >= maxVBal and backed 2b messages."""
        for a in range(self.acceptors):
            if s.maxBal[a] < s.maxVBal[a]:
                return fail(f"acceptor {a}: maxBal {s.maxBal[a]} < maxVBal {s.maxVBal[a]}")
        for m in s.msgs:
            if m[0] == "2b" and (s.maxVBal[m[1]] < m[2] or ("2a", m[2], m[3]) not in s.msgs):
                return fail(f"2b message {m} has no 2a message or exceeds maxVBal")
        return self.type_ok(s) and self.last_vote_recorded(s) and self.messages_backed(s)
