"""Port of specifications/Paxos/Voting.tla via MCVoting.tla / MCVoting.cfg, without SYMMETRY
(`Voting`) and with it (`MCVotingSymmetric`):
Acceptor = {a1, a2, a3}, Value = {v1, v2}, Quorum = the three pairs, Ballot = 0..1,
INVARIANT Inv, CHECK_DEADLOCK FALSE. TLC: 599 / 3124 / 11 (77 / 451 / 11 with symmetry).

The same module is specifications/PaxosHowToWinATuringAward/Voting.tla (same actions), whose
MCVoting.tla sets Ballot to 0..2: TLC 6752 / 41017 / 16 (bench/tlc_ports.py; too slow for a test).

Acceptor a_k is index k-1, value v_k is k-1. `votes[a]` is a frozenset of (ballot, value).

TLC enumerates an action by its structure: each element of an \\E, each true disjunct,
each branch of an implication's consequent is a separate successor. VoteFor's guard
`\\E Q \\in Quorum : ShowsSafeAt(Q, b, v)` contains `\\E Q`, `\\E c` and, for c # -1,
`\\E a \\in Q : VotedFor(a, c, v)`: the witness (Q, c, x) is therefore an action
parameter (x = -1 when c = -1), so one successor is generated per witness, as in TLC.
"""

from __future__ import annotations

from itertools import combinations
from typing import NamedTuple

import attrs

from checker import Spec, action, fail, invariant
from checker.symmetry import permutations_of, product_of, reindex
from spec.mechanics import set_at


def majorities(acceptors: int) -> tuple[frozenset, ...]:
    """Majority quorums; for 3 acceptors, MCQuorum's three pairs."""
    k = acceptors // 2 + 1
    return tuple(frozenset(q) for q in combinations(range(acceptors), k))


class VState(NamedTuple):
    votes: tuple[frozenset, ...]
    maxBal: tuple[int, ...]


@attrs.frozen
class Voting(Spec):
    acceptors: int = 3
    values: int = 2
    max_ballot: int = 1

    @property
    def quorums(self) -> tuple[frozenset, ...]:
        return majorities(self.acceptors)

    def init(self):
        yield VState((frozenset(),) * self.acceptors, (-1,) * self.acceptors)

    @action(a=lambda spec, s: range(spec.acceptors), b=lambda spec, s: range(spec.max_ballot + 1))
    def increase_max_bal(self, s, a, b):
        if not b > s.maxBal[a]:
            return None
        return s._replace(maxBal=set_at(s.maxBal, a, b))

    def voted_for(self, s, a, b, v) -> bool:
        return (b, v) in s.votes[a]

    def did_not_vote_at(self, s, a, b) -> bool:
        return all(not self.voted_for(s, a, b, v) for v in range(self.values))

    def shows_safe_at(self, s, q, b, v, c, x) -> bool:
        """ShowsSafeAt(Q, b, v) taking witness c for `\\E c` and x for `\\E a \\in Q` (c # -1)."""
        if not all(s.maxBal[a] >= b for a in q) or not -1 <= c <= b - 1:
            return False
        if c == -1:
            if x != -1:
                return False
        elif not (x in q and self.voted_for(s, x, c, v)):
            return False
        return all(self.did_not_vote_at(s, a, d) for d in range(c + 1, b) for a in q)

    @action(
        a=lambda spec, s: range(spec.acceptors),
        b=lambda spec, s: range(spec.max_ballot + 1),
        v=lambda spec, s: range(spec.values),
        q=lambda spec, s: range(len(spec.quorums)),
        c=lambda spec, s: range(-1, spec.max_ballot),
        x=lambda spec, s: range(-1, spec.acceptors),
    )
    def vote_for(self, s, a, b, v, q, c, x):
        if s.maxBal[a] > b or any(vt[0] == b for vt in s.votes[a]):
            return None
        if any(vt[0] == b and vt[1] != v for o in range(self.acceptors) if o != a for vt in s.votes[o]):
            return None
        if not self.shows_safe_at(s, self.quorums[q], b, v, c, x):
            return None
        return VState(set_at(s.votes, a, s.votes[a] | {(b, v)}), set_at(s.maxBal, a, b))

    # -- Inv == TypeOK /\ VotesSafe /\ OneValuePerBallot ------------------------------------

    def safe_at(self, s, b, v) -> bool:
        """SafeAt(b, v): for every c < b, some quorum's members voted v at c or cannot vote at c."""
        return all(
            any(all(self.voted_for(s, a, c, v) or (s.maxBal[a] > c and self.did_not_vote_at(s, a, c)) for a in q)
                for q in self.quorums)
            for c in range(b)
        )

    @invariant(name="Inv")
    def inv(self, s):
        ballots, values = range(self.max_ballot + 1), range(self.values)
        if not all(vt[0] in ballots and vt[1] in values for vs in s.votes for vt in vs):
            return fail(f"TypeOK: votes={s.votes}")
        if not all(m == -1 or m in ballots for m in s.maxBal):
            return fail(f"TypeOK: maxBal={s.maxBal}")
        for a, vs in enumerate(s.votes):
            for b, v in vs:
                if not self.safe_at(s, b, v):
                    return fail(f"VotesSafe: acceptor {a} voted {v} at {b}, which is not safe")
        cast = {vt for vs in s.votes for vt in vs}
        for b, v in cast:
            if any(b2 == b and v2 != v for b2, v2 in cast):
                return fail(f"OneValuePerBallot: two values in ballot {b}")
        return True


@attrs.frozen
class MCVotingSymmetric(Voting):
    """MCVoting.cfg's `SYMMETRY Symmetry`, Symmetry == Permutations(Acceptor) \\cup Permutations(Value).

    TLC closes that set under composition; so does the engine: the group is every pair
    (acceptor permutation, value permutation), 3! x 2! = 12 for the MC configuration.
    Sound because Voting never tells two acceptors or two values apart: the quorums are
    all the majorities, and ballots (not permuted) are the only ordered values.
    """

    def symmetry(self):
        return product_of(permutations_of(self.acceptors), [tuple(range(self.values))]) + product_of(
            [tuple(range(self.acceptors))], permutations_of(self.values))

    def permute(self, s: VState, p) -> VState:
        pa, pv = p
        votes = tuple(frozenset((b, pv[v]) for b, v in vs) for vs in s.votes)
        return VState(reindex(votes, pa), reindex(s.maxBal, pa))
