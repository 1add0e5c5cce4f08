"""Port of specifications/ewd426/TokenRing.tla (TokenRing.cfg: N = 6, M = 6, INVARIANT TypeOK,
no deadlock check): Dijkstra's self-stabilizing K-state token ring (EWD 426).
TLC: 46656 / 248832 / 1, ok -- every state is initial (c \\in [Node -> 0..M-1]).

The TLA+ text of TokenRing.tla is not in the searchable index (only APTokenRing.tla, which
INSTANCEs it with one variable `c : Int -> Int`, and SimTokenRing.tla); the port follows
EWD 426: node 0 is privileged when c[0] = c[N-1] and then increments its counter mod M,
node i > 0 is privileged when c[i] # c[i-1] and then copies c[i-1]. PROPERTY Stab, <>[]UniqueToken,
under WF_vars(Next): `pass_token` (CreateToken and every PassToken(i)) weakly fair as a whole. A step is one
privileged node moving, so each state has one successor per privileged node; TLC's
generated count (4 1/3 successors per state on average) confirms exactly that.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

import attrs

from checker import Spec, action, eventually_always, fail, invariant
from spec.mechanics import set_at


class TRState(NamedTuple):
    c: tuple[int, ...]


@attrs.frozen
class TokenRing(Spec):
    n: int = 6
    m: int = 6

    def init(self):
        for c in product(range(self.m), repeat=self.n):
            yield TRState(c)

    @action(i=lambda spec, s: range(spec.n), fair="weak")
    def pass_token(self, s, i):
        c = s.c
        if i == 0:
            if c[0] != c[-1]:
                return None
            return TRState(set_at(c, 0, (c[0] + 1) % self.m))
        if c[i] == c[i - 1]:
            return None
        return TRState(set_at(c, i, c[i - 1]))

    @invariant(name="TypeOK")
    def type_ok(self, s):
        return len(s.c) == self.n and all(0 <= x < self.m for x in s.c) or fail(f"c={s.c}")

    @eventually_always(name="Stab")
    def unique_token(self, s):
        """\\E i \\in 0..N: c[j] = c[0] before i, c[j] = (c[0] - 1) % M from i on."""
        c, n = s.c, self.n
        return any(all(c[j] == c[0] for j in range(i)) and all(c[j] == (c[0] - 1) % self.m for j in range(i, n))
                   for i in range(n + 1))


@attrs.frozen
class TokenRingUnfair(TokenRing):
    """Without WF_vars(Next) (NoFairSpec in TRLive.tla) a state with several tokens may stutter."""

    @action(i=lambda spec, s: range(spec.n))
    def pass_token(self, s, i):
        return TokenRing.pass_token(self, s, i)
