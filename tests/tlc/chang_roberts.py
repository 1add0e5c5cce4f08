"""Port of specifications/chang_roberts/ChangRoberts.tla via MCChangRoberts.tla (.cfg):
N = 3, Id = [i \\in 1..N |-> i], INVARIANTS TypeOK Correctness, PROPERTY Liveness,
CHECK_DEADLOCK FALSE. TLC: 137 / 227 / 10, ok (Liveness holds).

Fairness: the spec has WF of each node(self) == n0(self) \\/ \\E id: n1(self, id); here
each instance n0(i) and n1(i, m) is weakly fair. The verdicts are the same because the
state graph has no cycle but stuttering (a message moves forward and the smallest
initiator, which must have taken n0 to receive, swallows it; test_liveness_tlc checks the
graph is acyclic), so a fair behaviour is one that ends stuttering where no instance,
hence no node, is enabled. Liveness, `(\\E n: cand) => <>(\\E n: won)` on the initial
state, is the leads-to `some cand ~> some won`: a candidate exists only if one did
initially, and "won" is never undone.

Node n is index n-1; `msgs[n]` is a frozenset of ids. `Terminating` (all pc = "Done") is
never enabled because the PlusCal loop never ends, so it contributes no successor.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

import attrs

from checker import Spec, action, eventually, fail, invariant, leads_to
from spec.mechanics import set_at


class CRState(NamedTuple):
    msgs: tuple[frozenset, ...]
    pc: tuple[str, ...]
    initiator: tuple[bool, ...]
    state: tuple[str, ...]


def _nodes(spec, s):
    return range(spec.n)


@attrs.frozen
class ChangRoberts(Spec):
    n: int = 3

    def ident(self, i: int) -> int:
        """Id[i+1] = i+1 (MCChangRoberts)."""
        return i + 1

    def succ(self, i: int) -> int:
        return (i + 1) % self.n

    def init(self):
        for init in product((False, True), repeat=self.n):
            yield CRState(
                (frozenset(),) * self.n,
                ("n0",) * self.n,
                init,
                tuple("cand" if x else "lost" for x in init),
            )

    @action(i=_nodes, fair="weak", each=True)
    def n0(self, s, i):
        """Initiators send their own id to their successor."""
        if s.pc[i] != "n0":
            return None
        msgs = s.msgs
        if s.initiator[i]:
            j = self.succ(i)
            msgs = set_at(msgs, j, msgs[j] | {self.ident(i)})
        return s._replace(msgs=msgs, pc=set_at(s.pc, i, "n1"))

    @action(i=_nodes, m=lambda spec, s: range(1, spec.n + 1), fair="weak", each=True)
    def n1(self, s, i, m):
        """Receive id m: forward it when lost or beaten, swallow it otherwise (won if own id)."""
        if s.pc[i] != "n1" or m not in s.msgs[i]:
            return None
        msgs, state = set_at(s.msgs, i, s.msgs[i] - {m}), s.state
        j = self.succ(i)
        if state[i] == "lost":
            msgs = set_at(msgs, j, msgs[j] | {m})
        elif m < self.ident(i):
            state = set_at(state, i, "lost")
            msgs = set_at(msgs, j, msgs[j] | {m})
        elif m == self.ident(i):
            state = set_at(state, i, "won")
        return s._replace(msgs=msgs, state=state)

    @invariant(name="TypeOK")
    def type_ok(self, s):
        ids = set(range(1, self.n + 1))
        ok = (
            all(x in ("n0", "n1", "Done") for x in s.pc)
            and all(m <= ids for m in s.msgs)
            and all(x in ("cand", "lost", "won") for x in s.state)
        )
        return ok or fail(f"{s}")

    @invariant(name="Correctness")
    def correctness(self, s):
        for n in range(self.n):
            if s.state[n] != "won":
                continue
            if not s.initiator[n]:
                return fail(f"node {n + 1} won without being an initiator")
            for m in range(self.n):
                if m != n and (s.state[m] != "lost" or (s.initiator[m] and self.ident(m) <= self.ident(n))):
                    return fail(f"node {n + 1} won but node {m + 1} is {s.state[m]}")
        return True

    @leads_to(lambda spec, s: "cand" in s.state, name="Liveness")
    def someone_won(self, s):
        return "won" in s.state


@attrs.frozen
class ChangRobertsUnfair(ChangRoberts):
    """Without fairness (TLC: NoFairSpec of tests/tlc_liveness/ports/CRLive.tla): Liveness fails."""

    @action(i=_nodes)
    def n0(self, s, i):
        return ChangRoberts.n0(self, s, i)

    @action(i=_nodes, m=lambda spec, s: range(1, spec.n + 1))
    def n1(self, s, i, m):
        return ChangRoberts.n1(self, s, i, m)


@attrs.frozen
class ChangRobertsSomeoneWins(ChangRoberts):
    """SomeoneWins (CRLive.tla) fails: an initial state without initiators elects nobody."""

    @eventually(name="SomeoneWins")
    def someone_wins(self, s):
        return "won" in s.state
